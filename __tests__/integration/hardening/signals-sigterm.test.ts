// SIGTERM (and the runner's SIGINT-then-SIGTERM) in each phase of a cluster run of the bundled action, against
// the real API server. The signal lands in its phase deterministically: on a log line of a phase that waits
// (Lease, readiness, evaluation), or while the proxy in front of the API server (or the fake GitHub) holds the first
// request of a phase that takes milliseconds (sweep, mirror, promotion, cleanup, report). On the real cluster
// (checkout-cluster.ts): its controllers and kubelet run the pods.
import type { ChildProcess } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microTime } from '../../../src/cluster/lease-lock.js';
import {
  besidesTheLiveWorkload,
  CANDIDATE,
  type CheckoutCluster,
  NAMESPACE,
  SERVICE,
  startCheckoutCluster,
  UNPULLABLE,
} from '../../support/checkout-cluster.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { FAST } from '../../support/fake-shop.js';
import {
  isWrite,
  type KubeApiProxy,
  type ProxiedRequest,
  startKubeApiProxy,
} from '../../support/kube-api-proxy.js';
import { type ActionRun, output, signalWhen } from '../../support/run-bundled-action.js';

const SUFFIXES = ['lease', 'sweep', 'deploy', 'mirror', 'evaluate', 'promote', 'close', 'report', 'twice'];

let shop: CheckoutCluster;
let proxy: KubeApiProxy;

beforeAll(async () => {
  shop = await startCheckoutCluster({
    darkRevisions: Object.fromEntries(SUFFIXES.map((suffix) => [`${SERVICE}-${suffix}`, FAST])),
  });
  proxy = await startKubeApiProxy(shop.cluster.adminKubeconfig);
});

afterAll(async () => {
  await proxy?.close();
  await shop?.stop();
});

/** Inputs for a run whose API traffic goes through the proxy. */
function proxiedInputs(suffix: string, extra: Record<string, string> = {}): Record<string, string> {
  return shop.inputs(suffix, { kubeconfig: proxy.kubeconfig, ...extra });
}

/**
 * A hook for a held request: sends `signal` while the process provably waits on that request, then lets the
 * request go on after a short pause, so the process's signal handler runs first (no assertion depends on it).
 */
function signalling(child: ChildProcess, signal: NodeJS.Signals): () => Promise<void> {
  return async () => {
    child.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
}

/** Sends `signal` during the first API request that `matches`. */
function signalDuring(matches: RequestMatch, signal: NodeJS.Signals): (child: ChildProcess) => void {
  return (child) => proxy.beforeNext(matches, signalling(child, signal));
}

type RequestMatch = (request: ProxiedRequest) => boolean;
/** The path without its query (writes carry `?fieldManager=shadowgate`). */
const resource = (path: string) => path.split('?')[0] ?? path;
const isSweep: RequestMatch = ({ method, path }) =>
  method === 'GET' &&
  path.includes('/deployments?') &&
  decodeURIComponent(path).includes('shadowgate.dev/run!=');
const isMirror: RequestMatch = (request) =>
  isWrite(request) && resource(request.path).endsWith(`/virtualservices/${SERVICE}`);
const isPromotion: RequestMatch = (request) =>
  isWrite(request) && resource(request.path).endsWith(`/deployments/${SERVICE}`);
const isCleanupOf =
  (suffix: string): RequestMatch =>
  ({ method, path }) =>
    method === 'DELETE' && resource(path).endsWith(`/deployments/${SERVICE}-${suffix}`);

/** The main step was cancelled, cleaned up, left the cluster as `before`; its post step has nothing left to do. */
async function expectCancelledAndRestored(
  result: ActionRun,
  before: Record<string, unknown>,
  inputs: Record<string, string>,
  reason = 'received SIGTERM',
  view: (state: Record<string, unknown>) => Record<string, unknown> = (state) => state,
): Promise<void> {
  expect(result.exitCode, output(result)).toBe(1);
  expect(result.stdout).toMatch(new RegExp(`^::error::Shadowgate was cancelled: ${reason}`, 'm'));
  // One error, the cancellation: not also the verdict's.
  expect(result.stdout.match(/^::error::/gm), output(result)).toHaveLength(1);
  expect(await shop.managedObjects()).toEqual([]);
  expect(await leftovers(shop.admin, NAMESPACE)).toEqual([]);
  expect(view(await shop.clusterState())).toEqual(view(before));
  expect(result.state.cluster).toBe('');
  const post = await shop.run(inputs, { state: result.state });
  expect(post.exitCode, output(post)).toBe(0);
  expect(post.stdout).toContain('nothing to clean up');
  expect(view(await shop.clusterState())).toEqual(view(before));
}

describe('SIGTERM in each phase of a cluster run: the main step cleans up and fails, the post step has nothing left', () => {
  it('while waiting for the Lease another run holds: nothing created, the other run keeps its Lease', async () => {
    const now = microTime(Date.now());
    const foreign = await shop.admin.create<k8s.V1Lease>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: `shadowgate-${SERVICE}`, namespace: NAMESPACE },
      spec: {
        holderIdentity: 'other-run-1',
        leaseDurationSeconds: 600,
        acquireTime: now as unknown as Date,
        renewTime: now as unknown as Date,
      },
    });
    try {
      const before = await shop.clusterState();
      const inputs = shop.inputs('lease', { 'lease-timeout': '5m' });
      const result = await shop.run(inputs, {
        onSpawn: signalWhen(/holds the Lease "shadowgate-checkout"/, 'SIGTERM'),
      });
      expect(result.stdout).toMatch(/Waiting up to 300 s for run "other-run-1"/);
      expect(result.stdout).not.toMatch(/Deploying/);
      await expectCancelledAndRestored(result, before, inputs);
    } finally {
      await shop.admin.delete({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        namespace: NAMESPACE,
        name: foreign.metadata?.name ?? '',
      });
    }
  });

  it('during the sweep of earlier runs’ leftovers', async () => {
    const before = await shop.clusterState();
    const inputs = proxiedInputs('sweep');
    const result = await shop.run(inputs, { onSpawn: signalDuring(isSweep, 'SIGTERM') });
    await expectCancelledAndRestored(result, before, inputs);
  });

  it('while waiting for the dark copy to become ready', async () => {
    const before = await shop.clusterState();
    // Its pod never becomes ready, so the run is still waiting when the signal comes.
    const inputs = shop.inputs('deploy', { image: UNPULLABLE });
    const result = await shop.run(inputs, {
      onSpawn: signalWhen(/Created Deployment and Service "checkout-deploy"/, 'SIGTERM'),
    });
    expect(result.stdout).toMatch(/Deleted Deployment "checkout-deploy"/);
    await expectCancelledAndRestored(result, before, inputs);
  });

  it('while the mirror is being set up on the VirtualService', async () => {
    const before = await shop.clusterState();
    const inputs = proxiedInputs('mirror');
    const result = await shop.run(inputs, { onSpawn: signalDuring(isMirror, 'SIGTERM') });
    expect(result.stdout).not.toMatch(/^Evaluating /m);
    await expectCancelledAndRestored(result, before, inputs);
  });

  it('during the evaluation: reports inconclusive', async () => {
    const before = await shop.clusterState();
    const inputs = shop.inputs('evaluate', { iterations: '30', 'early-pass': 'false' });
    const result = await shop.run(inputs, { onSpawn: signalWhen(/^\[1\/30\]/m, 'SIGTERM') });
    expect(result.outputs.verdict).toBe('inconclusive');
    expect(result.summary).toMatch(/aborted before iteration 2: received SIGTERM/);
    await expectCancelledAndRestored(result, before, inputs);
  });

  it('during promotion: the promotion under way completes, everything else is restored', async () => {
    const before = await shop.clusterState();
    const inputs = proxiedInputs('promote', { promote: 'true' });
    const result = await shop.run(inputs, { onSpawn: signalDuring(isPromotion, 'SIGTERM') });
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toMatch(/\*\*Promoted:\*\* Deployment "checkout" now runs/);
    const live = await shop.admin.read<k8s.V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: NAMESPACE,
      name: SERVICE,
    });
    expect(live?.spec?.template.spec?.containers[0]?.image).toBe(CANDIDATE);
    // The promoted live Deployment is the one intended change, and the real controller rolls its pods over.
    await shop.liveRolledOut();
    await expectCancelledAndRestored(result, before, inputs, undefined, besidesTheLiveWorkload);
  });

  it('during the cleanup after a pass: the cleanup is not cut short', async () => {
    const before = await shop.clusterState();
    const inputs = proxiedInputs('close');
    const result = await shop.run(inputs, {
      onSpawn: signalDuring(isCleanupOf('close'), 'SIGTERM'),
    });
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toMatch(/\*\*Cleanup:\*\* deleted .*Deployment "checkout-close"/);
    await expectCancelledAndRestored(result, before, inputs);
  });

  it('while the report is being posted: the verdict and the comment still go out', async () => {
    const before = await shop.clusterState();
    const comments = shop.github.comments.length;
    const inputs = shop.inputs('report', { comment: 'always' });
    const result = await shop.run(inputs, {
      onSpawn: (child) => shop.github.beforeNext('list-comments', signalling(child, 'SIGTERM')),
    });
    expect(result.outputs.verdict).toBe('pass');
    expect(shop.github.comments.length).toBe(comments + 1);
    await expectCancelledAndRestored(result, before, inputs);
  });

  it('SIGINT during the evaluation, then SIGTERM during the cleanup, as the runner sends them: cleanup completes', async () => {
    const before = await shop.clusterState();
    const inputs = proxiedInputs('twice', { iterations: '30', 'early-pass': 'false' });
    const result = await shop.run(inputs, {
      onSpawn: (child) => {
        signalWhen(/^\[1\/30\]/m, 'SIGINT')(child);
        signalDuring(isCleanupOf('twice'), 'SIGTERM')(child);
      },
    });
    expect(result.stdout).toMatch(/^::warning::received SIGTERM again; still cleaning up/m);
    expect(result.stdout).toMatch(/Deleted Deployment "checkout-twice"/);
    expect(result.outputs.verdict).toBe('inconclusive');
    await expectCancelledAndRestored(result, before, inputs, 'received SIGINT');
  });
});
