// `npm run bench` step 4 (run by bench/run.mjs under tsx): experiments in a row against one target on the real
// cluster (testenv/cluster/, started and stopped here; it needs root, as the integration tests do), each a new run
// of the bundled action; prints one JSON line with each run's peak RSS (KiB) and wall time (ms).
import { SERVICE, startCheckoutCluster } from '../__tests__/support/checkout-cluster.js';
import { FAST } from '../__tests__/support/fake-shop.js';
import {
  realCluster,
  realClusterUnsupported,
  startRealCluster,
  stopRealCluster,
} from '../__tests__/support/real-cluster.js';
import { runExperimentsInARow } from '../__tests__/support/repeated-runs.js';

const unsupported = realClusterUnsupported();
if (unsupported !== undefined) throw new Error(`This host cannot run the real cluster: ${unsupported}`);
const runs = Number(process.env.BENCH_REPEATED_RUNS ?? 20);
const cluster = realCluster(await startRealCluster());
const shop = await startCheckoutCluster({
  cluster,
  darkRevisions: Object.fromEntries(
    Array.from({ length: runs }, (_, i) => [`${SERVICE}-bench-${i + 1}`, FAST]),
  ),
}).catch(async (error: unknown) => {
  await stopRealCluster();
  throw error;
});
try {
  const started = Date.now();
  const measured = await runExperimentsInARow(shop, runs, 'bench');
  // A failed run's last error line, to say why.
  const failed = measured
    .filter((run) => run.exitCode !== 0 || run.verdict !== 'pass')
    .map((run) => run.stdout.match(/^::error::.*$/m)?.[0] ?? `exit ${run.exitCode}`);
  const left = await shop.managedObjects();
  console.log(
    JSON.stringify({
      peakRssKiB: measured.map((run) => run.peakRssKiB),
      wallMs: Date.now() - started,
      failed,
      left,
    }),
  );
} finally {
  await shop.stop();
  await stopRealCluster();
}
