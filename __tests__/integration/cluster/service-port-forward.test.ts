// The load's port-forward (load-target port-forward) against the real API server: pods/portforward goes through
// kube-apiserver to a fake kubelet (testenv/kube/fake-kubelet, the kubelet's own port-forward code), which
// connects each stream to the pod's port on 127.0.0.1, where samples/app runs as the pod's process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import type { KubeApi } from '../../../src/cluster/kube-api.js';
import { createKubeClients } from '../../../src/cluster/kube-client.js';
import { openServicePortForward } from '../../../src/cluster/service-port-forward.js';
import { LoadGenerator } from '../../../src/traffic/load-generator.js';
import { type KubeTestEnv, startKubeTestEnv } from '../../support/kube-test-env.js';
import { createNodePod } from '../../support/node-pods.js';
import { type SampleApp, startSampleApp } from '../../support/sample-app.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';

const NAMESPACE = 'shop';
const NODE = 'node-a';
const log = () => {};

let env: KubeTestEnv;
let app: SampleApp;
let admin: ReturnType<typeof createKubeClients>;

beforeAll(async () => {
  env = await startKubeTestEnv();
  await env.startNode(NODE);
  await env.createNamespace(NAMESPACE);
  app = await startSampleApp(['--latency', '2:1', '--errors', '0']);
  const appPort = Number(new URL(app.url).port);
  admin = createKubeClients({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
  await admin.api.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'checkout', namespace: NAMESPACE },
    spec: { selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
  });
  await admin.api.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'cart', namespace: NAMESPACE },
    spec: { selector: { app: 'cart' }, ports: [{ port: 80, targetPort: 1 }] },
  });
  // Sorted first by name but not ready: the forward must pick checkout-b.
  await createNodePod(env.adminKubeconfig, {
    namespace: NAMESPACE,
    name: 'checkout-a',
    node: NODE,
    labels: { app: 'checkout' },
    ports: [{ name: 'web', containerPort: 1 }],
    ready: false,
  });
  await createNodePod(env.adminKubeconfig, {
    namespace: NAMESPACE,
    name: 'checkout-b',
    node: NODE,
    labels: { app: 'checkout' },
    ports: [{ name: 'web', containerPort: appPort }],
  });
  // Ready, but nothing listens on its port: the kubelet's dial fails.
  await createNodePod(env.adminKubeconfig, {
    namespace: NAMESPACE,
    name: 'cart-a',
    node: NODE,
    labels: { app: 'cart' },
    ports: [],
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await env?.stop();
});

function forwardTo(service: string, api: KubeApi = admin.api, kubeConfig = admin.kubeConfig, port?: string) {
  return openServicePortForward(
    kubeConfig,
    api,
    { namespace: NAMESPACE, service, ...(port === undefined ? {} : { port }) },
    { timeoutMs: 5_000, log },
  );
}

describe('port-forward to a Service through the Kubernetes API', () => {
  it('carries open-model load to a ready pod behind the Service, resolving a named targetPort', async () => {
    const before = (await app.stats()).requests;
    const forward = await forwardTo('checkout');
    try {
      expect(forward.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(forward.description).toBe(
        `Service "checkout" in namespace "shop" port 80 (pod "checkout-b" port ${new URL(app.url).port})`,
      );
      const load = new LoadGenerator({
        url: forward.url,
        ratePerSecond: 100,
        concurrency: 8,
        requests: [{ method: 'GET', path: '/products', headers: {}, weight: 1 }],
        timeoutMs: 5_000,
      });
      load.start();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const report = await load.stop();
      expect(report.sent).toBeGreaterThan(100);
      expect(report.failures + report.timeouts).toBe(0);
      expect(report.statuses.get(200)).toBe(report.completed);
      // The probe, plus every load request, reached the app.
      expect((await app.stats()).requests - before).toBe(report.completed + 1);
      // Keep-alive: one forwarded connection per load connection, not per request.
      expect(forward.stats.connections).toBeLessThanOrEqual(9);
      expect(forward.stats.failures).toBe(0);
    } finally {
      await forward.close();
    }
  });

  it('works with exactly the documented permissions, and names the missing one without them', async () => {
    // samples/rbac/load-in-cluster.yaml's Role for the gateway's namespace, here for this test's Service.
    const documented = sampleRoleRules('load-in-cluster.yaml', 'shadowgate-port-forward').map((rule) =>
      rule.resources?.includes('services') ? { ...rule, resourceNames: ['checkout'] } : rule,
    );
    const withoutPortForward = documented.filter((rule) => !rule.resources?.includes('pods/portforward'));
    const allowed = createKubeClients(
      { kind: 'inline', yaml: await env.mintKubeconfig(NAMESPACE, documented) },
      () => {},
    );
    const forward = await forwardTo('checkout', allowed.api, allowed.kubeConfig);
    await forward.close();

    const lacking = createKubeClients(
      { kind: 'inline', yaml: await env.mintKubeconfig(NAMESPACE, withoutPortForward) },
      () => {},
    );
    const error = await forwardTo('checkout', lacking.api, lacking.kubeConfig).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot port-forward to Service "checkout" in namespace "shop" port 80 \\(pod "checkout-b" port ${new URL(app.url).port}\\): ` +
          'forbidden \\(HTTP 403\\): the kubeconfig user needs get and create on pods/portforward ' +
          '\\(pods "checkout-b" is forbidden: User "system:serviceaccount:shop:[^"]+" cannot (get|create) resource "pods/portforward"',
      ),
    );
  });

  it.each([
    [
      'payments',
      undefined,
      /^cannot port-forward to Service "payments" in namespace "shop": it does not exist$/,
    ],
    ['checkout', 'grpc', /it has no port grpc; its ports are 80 \(http\)$/],
    [
      'cart',
      undefined,
      /\(pod "cart-a" port 1\): error forwarding port 1 to pod cart-a, uid : .*connection refused$/,
    ],
  ])('fails clearly for Service %s port %s', async (service, port, message) => {
    const error = await forwardTo(service, admin.api, admin.kubeConfig, port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(message);
  });

  it('fails when no pod behind the Service is ready', async () => {
    await admin.api.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'search', namespace: NAMESPACE },
      spec: { selector: { app: 'search' }, ports: [{ port: 80 }] },
    });
    const error = await forwardTo('search').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'cannot port-forward to Service "search" in namespace "shop": none of its 0 pod(s) (app=search) is running and ready',
    );
  });
});
