// Load: 20 experiments in a row against the same target, each a new workflow run of the bundled action that
// takes the target's Lease, deploys a dark copy into the real API server, mirrors to it, is judged by a real
// Prometheus and cleans up. Nothing may be left behind, and the action's memory must not grow from run to run.
// On the real cluster (checkout-cluster.ts): its controllers and kubelet run each dark copy's pods.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type CheckoutCluster,
  NAMESPACE,
  SERVICE,
  startCheckoutCluster,
} from '../../support/checkout-cluster.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { FAST } from '../../support/fake-shop.js';
import { median, runExperimentsInARow } from '../../support/repeated-runs.js';

const RUNS = 20;

let shop: CheckoutCluster;

beforeAll(async () => {
  shop = await startCheckoutCluster({
    darkRevisions: Object.fromEntries(
      Array.from({ length: RUNS }, (_, i) => [`${SERVICE}-load-${i + 1}`, FAST]),
    ),
  });
});

afterAll(async () => {
  await shop?.stop();
});

it(`${RUNS} experiments in a row on one target: each passes, nothing is left, memory stays flat`, async () => {
  const before = await shop.clusterState();
  const runs = await runExperimentsInARow(shop, RUNS, 'load');

  expect(runs.map((run) => [run.exitCode, run.verdict])).toEqual(runs.map(() => [0, 'pass']));
  // Each run found the Lease free (the one before released it) and nothing to sweep.
  for (const run of runs) {
    expect(run.stdout).not.toMatch(/Waiting up to|Taking over the Lease|Swept/);
  }
  expect(await leftovers(shop.admin, NAMESPACE)).toEqual([]);
  expect(await shop.clusterState()).toEqual(before);

  const peaks = runs.map((run) => run.peakRssKiB);
  console.log(`peak RSS per run (MiB): ${peaks.map((kib) => (kib / 1024).toFixed(1)).join(' ')}`);
  expect(Math.min(...peaks)).toBeGreaterThan(0);
  expect(median(peaks.slice(-5))).toBeLessThanOrEqual(median(peaks.slice(0, 5)) * 1.2);
}, 600_000);
