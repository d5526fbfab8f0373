import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { HTTPParser } from 'http-parser-js';
import type { RequestOutcome } from './dispatch-request.js';

export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time, written as prepared bytes and parsed with
 * http-parser-js (as autocannon does): the load generator's hot path, with no per-request streams, promises or
 * header objects. A closed or failed socket is replaced on the next request.
 */
export class HttpConnection {
  private socket: Socket | undefined;
  private parser = this.newParser();
  private status = 0;
  private keepAlive = true;
  private skipBody = false;
  private pending: ((outcome: RequestOutcome) => void) | undefined;

  constructor(
    private readonly target: ConnectionTarget,
    private readonly timeoutMs: number,
  ) {}

  /** Sends `request` (a complete HTTP/1.1 message); `done` is called once with the outcome. */
  send(request: Buffer, isHead: boolean, done: (outcome: RequestOutcome) => void): void {
    const socket = this.socket ?? this.open();
    this.pending = done;
    this.status = 0;
    this.skipBody = isHead;
    // An inactivity timeout while the request is out: no byte for timeoutMs fails it as timed out.
    socket.setTimeout(this.timeoutMs);
    socket.write(request);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const { host, port, tls } = this.target;
    const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    socket.setNoDelay(true);
    this.parser = this.newParser();
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      if (this.parser.execute(chunk) instanceof Error) this.fail(false);
    });
    socket.on('timeout', () => this.socket === socket && this.fail(true));
    socket.on('close', () => this.socket === socket && this.fail(false));
    socket.on('error', () => {
      // Reported by 'close', which follows.
    });
    this.socket = socket;
    return socket;
  }

  private newParser(): InstanceType<typeof HTTPParser> {
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      this.status = info.statusCode;
      this.keepAlive = info.shouldKeepAlive;
      return this.skipBody ? 1 : 0;
    };
    parser[HTTPParser.kOnBody] = () => {};
    parser[HTTPParser.kOnMessageComplete] = () => this.complete();
    return parser;
  }

  private complete(): void {
    // 1xx answers (100 Continue, 103 Early Hints) precede the real response.
    if (this.status >= 100 && this.status < 200) return;
    const done = this.pending;
    this.pending = undefined;
    this.socket?.setTimeout(0);
    if (!this.keepAlive) this.close();
    done?.({ status: this.status, timedOut: false });
  }

  private fail(timedOut: boolean): void {
    const done = this.pending;
    this.pending = undefined;
    this.close();
    done?.({ status: 0, timedOut });
  }
}

/** The bytes of one HTTP/1.1 request; headers and path were validated by the config layer (no CR, LF or spaces). */
export function serializeRequest(
  target: ConnectionTarget,
  request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
  },
): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  const names = new Set(Object.keys(request.headers).map((name) => name.toLowerCase()));
  if (!names.has('host')) lines.push(`host: ${target.host}:${target.port}`);
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined && !names.has('content-length')) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return body === undefined ? head : Buffer.concat([head, body]);
}
