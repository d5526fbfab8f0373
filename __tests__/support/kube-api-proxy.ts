/**
 * A recording reverse proxy in front of the test API server, on plain http://127.0.0.1: the action under test
 * gets `proxy.kubeconfig` (its token is a placeholder) and the proxy talks to the real API server as admin,
 * with the admin client certificate. It records every request, so a test can assert what the action wrote
 * (or that it wrote nothing), and can run a hook just before a matching request is forwarded, e.g. a concurrent
 * writer's change between the action's read and its replace, which the real API server then answers with a
 * genuine 409 Conflict.
 *
 *   const proxy = await startKubeApiProxy(env.adminKubeconfig);
 *   proxy.beforeNext((r) => r.method === 'PUT' && r.path.includes('/virtualservices/'), () => concurrentWrite());
 *   … run the action with kubeconfig: proxy.kubeconfig …
 *   proxy.requests.filter(isWrite);
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type RequestOptions, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ProxiedRequest {
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  /** Parsed JSON body, when there was one. */
  readonly body?: unknown;
  /** The API server's answer. */
  status?: number;
}

export interface KubeApiProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** A kubeconfig for the proxy: plain HTTP and a placeholder bearer token. */
  readonly kubeconfig: string;
  readonly requests: ProxiedRequest[];
  /** Runs `hook` (once) before the next request that `matches` is forwarded. */
  beforeNext(matches: (request: ProxiedRequest) => boolean, hook: () => Promise<void>): void;
  close(): Promise<void>;
}

/** Requests that change something: everything but reads and watches. */
export function isWrite(request: ProxiedRequest): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
}

export async function startKubeApiProxy(adminKubeconfig: string): Promise<KubeApiProxy> {
  const admin = new k8s.KubeConfig();
  admin.loadFromString(adminKubeconfig);
  const upstream = new URL(admin.getCurrentCluster()?.server ?? '');
  const tls: RequestOptions = {};
  await admin.applyToHTTPSOptions(tls);
  const requests: ProxiedRequest[] = [];
  const hooks: { matches: (request: ProxiedRequest) => boolean; hook: () => Promise<void> }[] = [];

  const forward = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks);
    const recorded: ProxiedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      ...(payload.length > 0 ? { body: parseJson(payload) } : {}),
    };
    requests.push(recorded);
    const hook = hooks.findIndex(({ matches }) => matches(recorded));
    if (hook >= 0) await hooks.splice(hook, 1)[0]?.hook();

    const { authorization, host, ...headers } = incoming.headers;
    const outgoing = request(
      {
        ...tls,
        hostname: upstream.hostname,
        port: upstream.port,
        method: recorded.method,
        path: recorded.path,
        headers: { ...headers, 'content-length': String(payload.length) },
      },
      (answer) => {
        recorded.status = answer.statusCode;
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`proxy: ${error.message}`);
    });
    outgoing.end(payload);
  };

  const server = createServer((incoming, response) => {
    forward(incoming, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`proxy: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'proxied', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'proxied', user: { token: 'placeholder-the-proxy-authenticates' } }],
    contexts: [{ name: 'proxied', context: { cluster: 'proxied', user: 'proxied' } }],
    'current-context': 'proxied',
  });

  return {
    url,
    kubeconfig,
    requests,
    beforeNext: (matches, hook) => {
      hooks.push({ matches, hook });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return payload.toString('utf8');
  }
}
