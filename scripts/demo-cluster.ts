// `npm run demo:cluster`: the whole loop on a cluster, for a person to watch. It provisions the test environment
// (testenv/provision.sh, idempotent), starts a real kube-apiserver and etcd on 127.0.0.1, applies
// samples/istio-deployment/app.yaml, and lets the simulated data plane (__tests__/support/simulated-data-plane.ts:
// real Istio and a kubelet cannot run here) run its Deployments as samples/app processes, apply the
// VirtualService's mirror with the built-in proxy and send traffic, while a real Prometheus scrapes them. Then the
// bundled action (dist/index.js) runs as GitHub would on a pull request whose candidate image regressed: it
// deploys the dark copy, mirrors to it, judges it, and restores the cluster. Ends with verdict `fail`.
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { output } from '../__tests__/support/checkout-cluster.js';
import { startSimulatedShop } from '../__tests__/support/simulated-shop.js';

const CANDIDATE = 'ghcr.io/acme/checkout:pr-21';
const step = (text: string) => console.log(`\n=== ${text}\n`);

step('Provisioning the test environment (testenv/provision.sh; quick when already done)');
const provisioned = spawnSync('bash', ['testenv/provision.sh'], { stdio: 'inherit' });
if (provisioned.status !== 0) process.exit(provisioned.status ?? 1);

step(
  'Starting kube-apiserver, Prometheus and the simulated data plane; applying samples/istio-deployment/app.yaml',
);
const shop = await startSimulatedShop({
  // The live image: p95 under 50 ms, 0.5% errors.
  live: { latency: '5:0.5,15:0.4,30:0.1', errors: 0.005 },
  // The pull request's image: four requests in ten take 150 ms, one in eight fails.
  candidates: { [CANDIDATE]: { latency: '5:0.3,20:0.3,150:0.4', errors: 0.125 } },
  ratePerSecond: 40,
  log: (line) => console.log(`  [data plane] ${line}`),
});
let exitCode = 1;
try {
  await shop.plane.waitUntilScraped('checkout');
  const before = await shop.clusterState();
  console.log(`Cluster before: ${Object.keys(before).join(', ')}`);

  step(`Running the bundled action (dist/index.js) on pull request #21 with image ${CANDIDATE}`);
  const result = await shop.run(shop.inputs('pr-21', CANDIDATE));
  // The runner consumes `::add-mask::` lines and never shows them; they name the kubeconfig's key.
  console.log(
    output(result)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
      .trim(),
  );

  step('Step summary (GITHUB_STEP_SUMMARY)');
  console.log(result.summary.trim());
  step('PR comment (as the fake GitHub API received it; the same report, its first lines)');
  console.log(shop.github.comments.at(-1)?.body.split('\n').slice(0, 4).join('\n') ?? '(none)');

  step('The cluster afterwards');
  const after = await shop.clusterState();
  const restored = isDeepStrictEqual(after, before);
  const left = await shop.managedObjects();
  console.log(`Cluster after: ${Object.keys(after).join(', ')}`);
  console.log(restored ? 'Exactly as before the run.' : 'NOT as before the run.');
  console.log(left.length === 0 ? 'Nothing of Shadowgate left.' : `Left behind: ${left.join(', ')}`);
  console.log(`Requests mirrored to the dark copy: ${shop.plane.mirroredRequests()}`);
  const verdict = result.outputs.verdict ?? `none (exit status ${result.exitCode})`;
  console.log(
    `\nDemo finished: verdict ${verdict}; the regression was ${verdict === 'fail' ? 'caught' : 'NOT caught'}.`,
  );
  exitCode = verdict === 'fail' && restored && left.length === 0 ? 0 : 1;
} finally {
  step('Tearing down');
  await shop.stop();
}
process.exit(exitCode);
