import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import {
  createKubeApi,
  kubeconfigCredentials,
  loadKubeConfig,
  toClusterError,
} from '../../../src/cluster/kube-client.js';

function kubeconfig(server: string, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadKubeConfig', () => {
  it('refuses an inline kubeconfig that is not YAML without quoting it', () => {
    const text = 'users:\n  - token: "s3cr3t-token\n  bad: [';
    expect(() => loadKubeConfig({ kind: 'inline', yaml: text })).toThrow(ClusterError);
    try {
      loadKubeConfig({ kind: 'inline', yaml: text });
    } catch (error) {
      expect((error as Error).message).toMatch(/^The kubeconfig input is not a valid kubeconfig/);
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });

  it('refuses a kubeconfig without a usable current context', () => {
    const text = stringify({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] });
    expect(() => loadKubeConfig({ kind: 'inline', yaml: text })).toThrow(/has no usable current context/);
  });

  it("fails clearly instead of client-node's silent http://localhost:8080 when the runner has no kubeconfig", () => {
    const home = mkdtempSync(join(tmpdir(), 'shadowgate-home-'));
    try {
      vi.stubEnv('KUBECONFIG', '');
      vi.stubEnv('HOME', home);
      expect(() => loadKubeConfig({ kind: 'runner' })).toThrow(
        /^No kubeconfig found on the runner: KUBECONFIG is not set, ~\/\.kube\/config does not exist/,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("loads the runner's KUBECONFIG", () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowgate-kubeconfig-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, kubeconfig('https://127.0.0.1:6443', { token: 'abc' }), { mode: 0o600 });
      vi.stubEnv('KUBECONFIG', file);
      expect(loadKubeConfig({ kind: 'runner' }).getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
      vi.stubEnv('KUBECONFIG', join(dir, 'missing'));
      expect(() => loadKubeConfig({ kind: 'runner' })).toThrow(/^Cannot load the runner's kubeconfig/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('credentials', () => {
  it('masks every credential a kubeconfig can hold, and nothing else', () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [
          { name: 'token', user: { token: 'bearer-token-1' } },
          { name: 'cert', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } },
          { name: 'basic', user: { username: 'admin', password: 'hunter2-password' } },
          {
            name: 'oidc',
            user: {
              'auth-provider': {
                name: 'oidc',
                config: { 'id-token': 'id-token-3', 'refresh-token': 'refresh-4', 'client-id': 'public-id' },
              },
            },
          },
          {
            name: 'exec',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: 'aws',
                env: [
                  { name: 'AWS_SECRET_ACCESS_KEY', value: 'aws-secret-5' },
                  { name: 'AWS_REGION', value: 'eu-west-1' },
                ],
              },
            },
          },
        ],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'token' } }],
        'current-context': 'ctx',
      }),
    );
    expect(kubeconfigCredentials(kc).sort()).toEqual(
      [
        'Q0VSVA==',
        'S0VZ',
        'aws-secret-5',
        'bearer-token-1',
        'hunter2-password',
        'id-token-3',
        'refresh-4',
      ].sort(),
    );
  });

  it('createKubeApi masks the credentials before anything else', () => {
    const masked: string[] = [];
    createKubeApi(
      { kind: 'inline', yaml: kubeconfig('https://127.0.0.1:6443', { token: 'tok-6' }) },
      (secret) => masked.push(secret),
    );
    expect(masked).toEqual(['tok-6']);
  });
});

describe('errors', () => {
  const operation = {
    verb: 'patch',
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    namespace: 'shop',
    name: 'checkout',
  } as const;

  it("names the verb, the resource and the API's reason and message, never the headers", () => {
    const status = {
      kind: 'Status',
      reason: 'Forbidden',
      message: 'virtualservices.networking.istio.io "checkout" is forbidden: User "ci" cannot patch resource',
      code: 403,
    };
    const error = toClusterError(
      new k8s.ApiException(403, 'Unsuccessful HTTP Request', status, { authorization: 'Bearer leaked' }),
      operation,
      'virtualservices',
      'https://127.0.0.1:6443',
    );
    expect(error.message).toBe(
      'cannot patch virtualservices.networking.istio.io "checkout" in namespace "shop": forbidden ' +
        '(virtualservices.networking.istio.io "checkout" is forbidden: User "ci" cannot patch resource)',
    );
    expect(error.status).toBe(403);
    expect(error.message).not.toContain('leaked');
  });

  it('says the credentials were refused on 401, and gives the status when there is no Status body', () => {
    const error = toClusterError(
      new k8s.ApiException(401, 'Unsuccessful HTTP Request', '<html>', {}),
      { ...operation, verb: 'get' },
      'virtualservices',
      'https://x',
    );
    expect(error.message).toBe(
      'cannot get virtualservices.networking.istio.io "checkout" in namespace "shop": HTTP 401; the kubeconfig credentials were refused or have expired',
    );
  });

  it('names the server URL when it cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const api = createKubeApi(
      { kind: 'inline', yaml: kubeconfig(`https://127.0.0.1:${port}`, { token: 'x' }) },
      () => {},
    );
    const error = await api
      .read({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', namespace: 'shop', name: 'checkout' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toBe(
      `cannot get Service.serving.knative.dev "checkout" in namespace "shop": the Kubernetes API server at ` +
        `https://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED)`,
    );
  });
});

describe('429 Too Many Requests', () => {
  /**
   * A scripted API server that serves VirtualServices and refuses the first `refusals` lists with 429 and
   * `Retry-After: 0`, as kube-apiserver refuses a CRD's requests while its storage is (re)initializing.
   */
  async function refusingServer(refusals: number) {
    let lists = 0;
    const server = createHttpServer((request, response) => {
      response.setHeader('Content-Type', 'application/json');
      if (request.url === '/apis/networking.istio.io/v1') {
        response.end(
          JSON.stringify({
            kind: 'APIResourceList',
            groupVersion: 'networking.istio.io/v1',
            resources: [
              {
                name: 'virtualservices',
                singularName: 'virtualservice',
                namespaced: true,
                kind: 'VirtualService',
                verbs: ['list'],
              },
            ],
          }),
        );
      } else if (request.url?.startsWith('/apis/networking.istio.io/v1/namespaces/shop/virtualservices')) {
        lists++;
        if (lists <= refusals) {
          response.writeHead(429, { 'Retry-After': '0' });
          response.end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              message: 'storage is (re)initializing',
              reason: 'TooManyRequests',
              code: 429,
            }),
          );
        } else {
          response.end(
            JSON.stringify({
              kind: 'VirtualServiceList',
              apiVersion: 'networking.istio.io/v1',
              items: [{ metadata: { name: 'checkout' } }],
            }),
          );
        }
      } else {
        response.writeHead(404);
        response.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const api = createKubeApi(
      { kind: 'inline', yaml: kubeconfig(`http://127.0.0.1:${port}`, { token: 'x' }) },
      () => {},
    );
    return { api, lists: () => lists, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('sends the request again after the Retry-After the API server asks for', async () => {
    const scripted = await refusingServer(2);
    try {
      const items = await scripted.api.list('networking.istio.io/v1', 'VirtualService', 'shop');
      expect(items.map((item) => item.metadata?.name)).toEqual(['checkout']);
      expect(scripted.lists()).toBe(3);
    } finally {
      await scripted.close();
    }
  });

  it("gives up after 5 attempts with the API server's reason", async () => {
    const scripted = await refusingServer(Number.POSITIVE_INFINITY);
    try {
      await expect(scripted.api.list('networking.istio.io/v1', 'VirtualService', 'shop')).rejects.toThrow(
        'cannot list virtualservices.networking.istio.io in namespace "shop": too many requests (storage is (re)initializing)',
      );
      expect(scripted.lists()).toBe(5);
    } finally {
      await scripted.close();
    }
  });
});
