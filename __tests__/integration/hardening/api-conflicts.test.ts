// 409 Conflict from the real API server during a run of the bundled action: the action reaches the API server
// through a recording proxy, which lets a concurrent writer change the user's VirtualService just before the
// action's replace arrives (between the action's read and its write), so the API server itself answers 409. The
// action must read again and retry with the fresh resourceVersion, both when it adds the mirror and when it
// restores the route, and the cluster must end exactly as before. On the real cluster (checkout-cluster.ts):
// its controllers and kubelet run the pods.
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CANDIDATE,
  type CheckoutCluster,
  NAMESPACE,
  SERVICE,
  startCheckoutCluster,
} from '../../support/checkout-cluster.js';
import { FAST } from '../../support/fake-shop.js';
import { type KubeApiProxy, type ProxiedRequest, startKubeApiProxy } from '../../support/kube-api-proxy.js';
import { output } from '../../support/run-bundled-action.js';

let shop: CheckoutCluster;
let proxy: KubeApiProxy;

beforeAll(async () => {
  shop = await startCheckoutCluster({
    darkRevisions: { [`${SERVICE}-conflict`]: FAST, [`${SERVICE}-promote`]: FAST },
  });
  proxy = await startKubeApiProxy(shop.cluster.adminKubeconfig);
});

afterAll(async () => {
  await proxy?.close();
  await shop?.stop();
});

const VS_PATH = `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices/${SERVICE}`;
const vsRef = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  namespace: NAMESPACE,
  name: SERVICE,
};

interface RouteBody {
  metadata?: { resourceVersion?: string };
  spec?: { http?: { mirror?: unknown }[] };
}

const isVsReplace = (request: ProxiedRequest) =>
  request.method === 'PUT' && request.path.split('?')[0] === VS_PATH;
const mirrors = (request: ProxiedRequest) =>
  (request.body as RouteBody).spec?.http?.[0]?.mirror !== undefined;

/** Someone else's edit that leaves the object as it was, but with a newer resourceVersion (two writes). */
async function concurrentWrite(): Promise<void> {
  await shop.admin.mergePatch(vsRef, { metadata: { labels: { team: 'shop-concurrent' } } });
  await shop.admin.mergePatch(vsRef, { metadata: { labels: { team: 'shop' } } });
}

describe('the API server answers 409 Conflict on update during a run', () => {
  it('retries the mirror and the restore with a fresh resourceVersion, and leaves the cluster as it was', async () => {
    const before = await shop.clusterState();
    const seen = proxy.requests.length;
    proxy.beforeNext((request) => isVsReplace(request) && mirrors(request), concurrentWrite);
    proxy.beforeNext((request) => isVsReplace(request) && !mirrors(request), concurrentWrite);

    const result = await shop.run(shop.inputs('conflict', { kubeconfig: proxy.kubeconfig }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toMatch(/\*\*Cleanup:\*\* .*restored .*VirtualService "checkout"/);

    const requests = proxy.requests.slice(seen);
    const replaces = requests.filter(isVsReplace);
    // Add the mirror: refused, retried; restore: refused, retried.
    expect(replaces.map((r) => [mirrors(r), r.status])).toEqual([
      [true, 409],
      [true, 200],
      [false, 409],
      [false, 200],
    ]);
    const version = (request: ProxiedRequest | undefined) =>
      Number((request?.body as RouteBody | undefined)?.metadata?.resourceVersion);
    for (const [stale, retry] of [
      [replaces[0], replaces[1]],
      [replaces[2], replaces[3]],
    ]) {
      expect(version(retry)).toBeGreaterThan(version(stale));
      // The retry carries what a fresh read returned, not a guess.
      const between = requests.slice(
        requests.indexOf(stale as ProxiedRequest),
        requests.indexOf(retry as ProxiedRequest),
      );
      expect(between.some((r) => r.method === 'GET' && r.path.split('?')[0] === VS_PATH)).toBe(true);
    }
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
    const restored = await shop.admin.read<k8s.KubernetesObject & { spec?: unknown }>(vsRef);
    expect(restored?.metadata?.labels).toEqual({ team: 'shop' });
  });

  it('retries the promotion of the live Deployment with a fresh resourceVersion', async () => {
    const deploymentPath = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${SERVICE}`;
    const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: SERVICE };
    const isPromotion = (request: ProxiedRequest) =>
      request.method === 'PUT' && request.path.split('?')[0] === deploymentPath;
    const seen = proxy.requests.length;
    proxy.beforeNext(isPromotion, async () => {
      await shop.admin.mergePatch(deploymentRef, { metadata: { annotations: { owner: 'someone-else' } } });
      await shop.admin.mergePatch(deploymentRef, { metadata: { annotations: { owner: 'team-shop' } } });
    });

    const result = await shop.run(shop.inputs('promote', { kubeconfig: proxy.kubeconfig, promote: 'true' }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.summary).toMatch(/\*\*Promoted:\*\* Deployment "checkout" now runs/);
    // Refused, then retried until it lands (the real controller's own writes can add a conflict).
    const statuses = proxy.requests
      .slice(seen)
      .filter(isPromotion)
      .map((r) => r.status);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1)).toEqual(Array(statuses.length - 1).fill(409));
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    await shop.liveRolledOut();
    const live = await shop.admin.read<k8s.V1Deployment>(deploymentRef);
    expect(live?.spec?.template.spec?.containers[0]?.image).toBe(CANDIDATE);
    // The user's annotation as it was, beside the one the real Deployment controller writes on every rollout.
    expect(live?.metadata?.annotations).toEqual({
      owner: 'team-shop',
      'deployment.kubernetes.io/revision': '2',
    });
    expect(await shop.managedObjects()).toEqual([]);
  });
});
