// SIGKILL of the bundled action mid-run (the runner died, or cancellation ran out of time), against the real API
// server, at three points: with the dark copy deployed but no mirror yet, just after the mirror was set up, and
// during the evaluation. Two ways back to the cluster as it was: the post step of the killed run restores from
// the saved state; or, without a post step, the NEXT run (a new run id) waits for the dead run's Lease to expire
// (30 s without renewal), takes it over and sweeps what was left by label. The first phase's next run waits the
// 30 s out; for the others the test ages the Lease, as if they had passed. On the real cluster (checkout-cluster.ts):
// its controllers and kubelet run the pods.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckoutCluster,
  NAMESPACE,
  SERVICE,
  startCheckoutCluster,
} from '../../support/checkout-cluster.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { FAST } from '../../support/fake-shop.js';
import { type KubeApiProxy, startKubeApiProxy } from '../../support/kube-api-proxy.js';
import { expireLease } from '../../support/lease-expiry.js';
import { type ActionRun, output, signalWhen } from '../../support/run-bundled-action.js';

/** Where the run is killed, and what of it must be in the cluster afterwards. */
const PHASES = [
  {
    name: 'after the deploy, before the mirror',
    // Killed while its request to read the VirtualService it is about to patch is in flight.
    kill: (child: ChildProcess) =>
      proxy.beforeNext(
        ({ method, path }) =>
          method === 'GET' && path.includes('/virtualservices') && !path.includes('labelSelector'),
        async () => {
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));
        },
      ),
    left: (suffix: string) => [`Deployment/checkout-${suffix}`, `Service/checkout-${suffix}`],
    mirrored: false,
    waitsOutLease: true,
  },
  {
    name: 'just after the mirror was set up',
    kill: signalWhen(/Dark version "checkout-[a-z0-9-]+" is ready/, 'SIGKILL'),
    left: (suffix: string) => [`Deployment/checkout-${suffix}`, `Service/checkout-${suffix}`],
    mirrored: true,
    waitsOutLease: false,
  },
  {
    name: 'during the evaluation',
    kill: signalWhen(/^\[1\/30\]/m, 'SIGKILL'),
    left: (suffix: string) => [`Deployment/checkout-${suffix}`, `Service/checkout-${suffix}`],
    mirrored: true,
    waitsOutLease: false,
  },
] as const;
const SUFFIXES = PHASES.flatMap((_, i) => [`killed-${i}`, `post-${i}`, `next-${i}`]);

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

/** Runs until killed in `phase`; checks that it died holding the Lease and leaving its objects behind. */
async function killedRun(phase: (typeof PHASES)[number], suffix: string): Promise<ActionRun> {
  const killed = await shop.run(
    shop.inputs(suffix, { kubeconfig: proxy.kubeconfig, iterations: '30', 'early-pass': 'false' }),
    {
      onSpawn: phase.kill,
    },
  );
  expect(killed.exitCode, output(killed)).toBeNull();
  const managed = await shop.managedObjects();
  expect(managed).toEqual(expect.arrayContaining([...phase.left(suffix), 'Lease/shadowgate-checkout']));
  const changed = await leftovers(shop.admin, NAMESPACE);
  if (phase.mirrored) expect(changed).toContain('VirtualService/checkout');
  else expect(changed).not.toContain('VirtualService/checkout');
  return killed;
}

describe.each(PHASES.map((phase, index) => ({ ...phase, index })))('SIGKILL $name', (phase) => {
  it('the post step of the killed run restores the cluster from the saved state', async () => {
    const before = await shop.clusterState();
    const suffix = `post-${phase.index}`;
    const killed = await killedRun(phase, suffix);
    expect(killed.state.cluster).toContain('"action":"created"');

    const post = await shop.run(shop.inputs(suffix), { state: killed.state });
    expect(post.exitCode, output(post)).toBe(0);
    expect(post.stdout).toContain('did not finish its cleanup');
    expect(post.stdout).not.toContain('::warning::');
    expect(await leftovers(shop.admin, NAMESPACE)).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
  });

  it('with no post step, the next run takes over the expired Lease, sweeps what was left and passes', async () => {
    const before = await shop.clusterState();
    const killed = await killedRun(phase, `killed-${phase.index}`);
    const killedRunId = /"runId":"([^"]+)"/.exec(killed.state.cluster ?? '')?.[1];
    expect(killedRunId).toBeDefined();
    if (!phase.waitsOutLease) await expireLease(shop.admin, NAMESPACE, SERVICE);

    const next = await shop.run(shop.inputs(`next-${phase.index}`, { 'lease-timeout': '90s' }));
    expect(next.exitCode, output(next)).toBe(0);
    expect(next.outputs.verdict).toBe('pass');
    const waited = new RegExp(
      `Waiting up to 90 s for run "${killedRunId}", which holds the Lease "shadowgate-checkout"`,
    );
    if (phase.waitsOutLease) expect(next.stdout).toMatch(waited);
    else expect(next.stdout).not.toMatch(waited);
    expect(next.stdout).toContain(
      `Taking over the Lease "shadowgate-checkout" from run "${killedRunId}", which stopped renewing it`,
    );
    for (const object of phase.left(`killed-${phase.index}`)) {
      const [kind, name] = object.split('/');
      expect(next.stdout).toContain(`Swept ${kind} "${name}", left behind by run "${killedRunId}"`);
    }
    if (phase.mirrored) {
      expect(next.stdout).toContain(
        `Restored VirtualService "checkout", which run "${killedRunId}" had changed and not put back`,
      );
    }
    expect(await leftovers(shop.admin, NAMESPACE)).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
  });
});
