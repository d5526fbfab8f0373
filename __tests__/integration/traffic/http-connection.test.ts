import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../../../src/traffic/dispatch-request.js';
import {
  type ConnectionTarget,
  HttpConnection,
  serializeRequest,
} from '../../../src/traffic/http-connection.js';

// The load generator's HTTP/1.1 connection against a real node:http server that answers in every shape a
// server may: sized, chunked, closing, running to the end of the connection, empty (HEAD), too slow, or cut short.

const received: { method?: string; url?: string; body: string; host?: string }[] = [];
let connectionsAccepted = 0;
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    received.push({ method: request.method, url: request.url, body, host: request.headers.host });
    switch (request.url) {
      case '/chunked':
        response.write('a');
        setImmediate(() => response.end('b'));
        return;
      case '/close':
        response.writeHead(201, { connection: 'close' }).end('bye');
        return;
      case '/hang':
        return;
      case '/until-close':
        // No length and no chunking: the body runs to the end of the connection.
        request.socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end');
        return;
      case '/cut':
        response.writeHead(200, { 'content-length': '100' }).write('partial');
        setImmediate(() => request.socket.destroy());
        return;
      default:
        response.writeHead(request.url === '/missing' ? 404 : 200, { 'content-length': '2' }).end('ok');
    }
  });
});
let target: ConnectionTarget;

server.on('connection', () => connectionsAccepted++);

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port, tls: false };
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function send(
  connection: HttpConnection,
  method: string,
  path: string,
  body?: string,
): Promise<RequestOutcome> {
  const request = serializeRequest(target, {
    method,
    path,
    headers: { 'x-test': '1' },
    ...(body === undefined ? {} : { body }),
  });
  return new Promise((resolve) => connection.send(request, method === 'HEAD', resolve));
}

describe('HttpConnection', () => {
  it('reads sized, chunked, empty (HEAD) and closing responses, reconnecting after a close', async () => {
    const connection = new HttpConnection(target, 5_000);
    expect(await send(connection, 'GET', '/')).toEqual({ status: 200, timedOut: false });
    expect(await send(connection, 'GET', '/chunked')).toEqual({ status: 200, timedOut: false });
    expect(await send(connection, 'HEAD', '/')).toEqual({ status: 200, timedOut: false });
    expect(await send(connection, 'GET', '/close')).toEqual({ status: 201, timedOut: false });
    expect(await send(connection, 'GET', '/missing')).toEqual({ status: 404, timedOut: false });
    connection.close();
  });

  it('reads a response that runs to the end of the connection, then reconnects', async () => {
    const connection = new HttpConnection(target, 5_000);
    expect(await send(connection, 'GET', '/until-close')).toEqual({ status: 200, timedOut: false });
    expect(await send(connection, 'GET', '/')).toEqual({ status: 200, timedOut: false });
    connection.close();
  });

  it('keeps an idle connection open past the timeout, which only bounds a request out', async () => {
    const connection = new HttpConnection(target, 100);
    const before = connectionsAccepted;
    expect(await send(connection, 'GET', '/')).toEqual({ status: 200, timedOut: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await send(connection, 'GET', '/')).toEqual({ status: 200, timedOut: false });
    expect(connectionsAccepted - before).toBe(1);
    expect(await send(connection, 'GET', '/hang')).toEqual({ status: 0, timedOut: true });
    connection.close();
  });

  it('sends the method, path, host and body', async () => {
    const connection = new HttpConnection(target, 5_000);
    received.length = 0;
    await send(connection, 'POST', '/cart?id=1', '{"sku":42}');
    expect(received).toEqual([
      { method: 'POST', url: '/cart?id=1', body: '{"sku":42}', host: `127.0.0.1:${target.port}` },
    ]);
    connection.close();
  });

  it('fails a request that times out or whose body is cut short, and goes on with a new socket', async () => {
    const connection = new HttpConnection(target, 200);
    expect(await send(connection, 'GET', '/hang')).toEqual({ status: 0, timedOut: true });
    expect(await send(connection, 'GET', '/cut')).toEqual({ status: 0, timedOut: false });
    expect(await send(connection, 'GET', '/')).toEqual({ status: 200, timedOut: false });
    connection.close();
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const connection = new HttpConnection({ host: '127.0.0.1', port, tls: false }, 1_000);
    const request = serializeRequest(target, { method: 'GET', path: '/', headers: {} });
    expect(await new Promise((resolve) => connection.send(request, false, resolve))).toEqual({
      status: 0,
      timedOut: false,
    });
  });
});
