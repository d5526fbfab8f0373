// The load's port-forward (load-target port-forward) on the real cluster: pods/portforward goes through
// kube-apiserver to the real kubelet and containerd, into the pod's network namespace, where samples/app runs.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import type { KubeApi } from '../../../src/cluster/kube-api.js';
import { createKubeClients } from '../../../src/cluster/kube-client.js';
import { openServicePortForward } from '../../../src/cluster/service-port-forward.js';
import { LoadGenerator } from '../../../src/traffic/load-generator.js';
import { APP_IMAGES, type RealCluster, readyPod } from '../../support/real-cluster.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const NAMESPACE = 'port-forward';
const APP_PORT = 8080;
const log = () => {};

let cluster: RealCluster;
let admin: ReturnType<typeof createKubeClients>;

/** A pod of samples/app, ready once it answers on its port; with `listen` elsewhere it never is. */
function appPod(name: string, app: string, listen = APP_PORT): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'app',
          image: APP_IMAGES.healthy,
          args: ['--latency', '2:1', '--errors', '0'],
          env: [{ name: 'PORT', value: String(listen) }],
          ports: [{ name: 'web', containerPort: APP_PORT }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'web' }, periodSeconds: 1 },
        },
      ],
    },
  };
}

/** What samples/app in the pod received (its `GET /__stats`), over the pod's IP on the cluster's bridge. */
async function requestsOf(pod: k8s.V1Pod): Promise<number> {
  const stats = await fetch(`http://${pod.status?.podIP}:${APP_PORT}/__stats`);
  return ((await stats.json()) as { requests: number }).requests;
}

let checkoutB: k8s.V1Pod;

beforeAll(async () => {
  cluster = suiteCluster();
  await cluster.createNamespace(NAMESPACE);
  admin = createKubeClients({ kind: 'inline', yaml: cluster.adminKubeconfig }, () => {});
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
  // Sorted first by name but never ready (it listens away from its probe): the forward must pick checkout-b.
  await admin.api.create(appPod('checkout-a', 'checkout', 9999));
  await admin.api.create(appPod('checkout-b', 'checkout'));
  // Ready, but nothing listens on the Service's target port 1: the dial inside the pod fails.
  await admin.api.create(appPod('cart-a', 'cart'));
  checkoutB = await readyPod(admin.api, NAMESPACE, 'checkout-b');
  await readyPod(admin.api, NAMESPACE, 'cart-a');
}, 120_000);

// The bare pods, which leaveNamespace leaves, are stopped here; the namespace goes with the cluster's stop.
afterAll(async () => {
  await admin?.kubeConfig
    .makeApiClient(k8s.CoreV1Api)
    .deleteCollectionNamespacedPod({ namespace: NAMESPACE });
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
    const before = await requestsOf(checkoutB);
    const forward = await forwardTo('checkout');
    try {
      expect(forward.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(forward.description).toBe(
        `Service "checkout" in namespace "port-forward" port 80 (pod "checkout-b" port ${APP_PORT})`,
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
      expect((await requestsOf(checkoutB)) - before).toBe(report.completed + 1);
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
      { kind: 'inline', yaml: await cluster.mintKubeconfig(NAMESPACE, documented) },
      () => {},
    );
    const forward = await forwardTo('checkout', allowed.api, allowed.kubeConfig);
    await forward.close();

    const lacking = createKubeClients(
      { kind: 'inline', yaml: await cluster.mintKubeconfig(NAMESPACE, withoutPortForward) },
      () => {},
    );
    const error = await forwardTo('checkout', lacking.api, lacking.kubeConfig).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot port-forward to Service "checkout" in namespace "port-forward" port 80 \\(pod "checkout-b" port ${APP_PORT}\\): ` +
          'forbidden \\(HTTP 403\\): the kubeconfig user needs get and create on pods/portforward ' +
          '\\(pods "checkout-b" is forbidden: User "system:serviceaccount:port-forward:[^"]+" cannot (get|create) resource "pods/portforward"',
      ),
    );
  });

  it.each([
    [
      'payments',
      undefined,
      /^cannot port-forward to Service "payments" in namespace "port-forward": it does not exist$/,
    ],
    ['checkout', 'grpc', /it has no port grpc; its ports are 80 \(http\)$/],
    [
      'cart',
      undefined,
      // containerd names the pod by its sandbox's id, and dials inside the pod's network namespace.
      /\(pod "cart-a" port 1\): error forwarding port 1 to pod [0-9a-f]{64}, uid : .*connection refused/,
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
      'cannot port-forward to Service "search" in namespace "port-forward": none of its 0 pod(s) (app=search) is running and ready',
    );
  });
});
