// `npm run demo:cluster`: the whole loop on a cluster, for a person to watch. It provisions the test environment
// (testenv/provision.sh, idempotent) and, where the host can run containers (root), starts the real one-node
// cluster of testenv/cluster/ (kubelet on containerd, the real controllers, Envoy Gateway with a real Envoy), applies
// samples/gateway-api/app.yaml with the cluster's samples/app images, sends 40 requests/s into the Gateway's Envoy
// and has a real Prometheus discover the pods. Elsewhere it says so and falls back to a real kube-apiserver with the
// simulated data plane (__tests__/support/simulated-data-plane.ts) and samples/istio-deployment/app.yaml. Then the
// bundled action (dist/index.js) runs as GitHub would on a pull request whose candidate image regressed: it deploys
// the dark copy, mirrors to it, judges it, and restores the cluster. Ends with verdict `fail`.
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { output } from '../__tests__/support/checkout-cluster.js';
import {
  APP_IMAGES,
  realCluster,
  realClusterUnsupported,
  startRealCluster,
  stopRealCluster,
} from '../__tests__/support/real-cluster.js';
import { startRealShop } from '../__tests__/support/real-shop.js';
import { GATEWAY_API } from '../__tests__/support/shop-samples.js';
import { startSimulatedShop } from '../__tests__/support/simulated-shop.js';

const step = (text: string) => console.log(`\n=== ${text}\n`);

step('Provisioning the test environment (testenv/provision.sh; quick when already done)');
const provisioned = spawnSync('bash', ['testenv/provision.sh'], { stdio: 'inherit' });
if (provisioned.status !== 0) process.exit(provisioned.status ?? 1);

const unsupported = realClusterUnsupported();
let candidate: string;
let shop: Awaited<ReturnType<typeof startSimulatedShop>> | Awaited<ReturnType<typeof startRealShop>>;
let mirrored: () => Promise<string>;
let teardown: () => Promise<void>;
if (unsupported === undefined) {
  step(
    "Starting the real cluster (testenv/cluster/cluster.sh), Prometheus and the users' traffic; applying samples/gateway-api/app.yaml",
  );
  const cluster = realCluster(await startRealCluster());
  candidate = APP_IMAGES.regressed;
  const real = await startRealShop({
    cluster,
    sample: GATEWAY_API,
    gateway: { port: 80, host: 'shop.example.com', path: '/checkout' },
    ratePerSecond: 40,
  });
  const watch = real.watchMirror('app=checkout-pr-21', 'app=checkout');
  mirrored = async () => {
    const { dark, live } = await watch();
    return `${dark} of the ${live} live requests while the real Envoy mirrored (Envoy Gateway, HTTPRoute RequestMirror)`;
  };
  shop = real;
  teardown = async () => {
    await real.stop();
    await stopRealCluster();
  };
} else {
  console.log(
    `This host cannot run the real cluster (${unsupported}): falling back to a real kube-apiserver with the`,
  );
  console.log(
    'SIMULATED data plane (samples/app processes for pods, the built-in proxy for the Istio mirror).',
  );
  step(
    'Starting kube-apiserver, Prometheus and the simulated data plane; applying samples/istio-deployment/app.yaml',
  );
  candidate = 'ghcr.io/acme/checkout:pr-21';
  const simulated = await startSimulatedShop({
    // The live image: p95 under 50 ms, 0.5% errors.
    live: { latency: '5:0.5,15:0.4,30:0.1', errors: 0.005 },
    // The pull request's image: four requests in ten take 150 ms, one in eight fails.
    candidates: { [candidate]: { latency: '5:0.3,20:0.3,150:0.4', errors: 0.125 } },
    ratePerSecond: 40,
    log: (line) => console.log(`  [data plane] ${line}`),
  });
  await simulated.plane.waitUntilScraped('checkout');
  mirrored = async () => `${simulated.plane.mirroredRequests()} (by the simulated data plane's proxy)`;
  shop = simulated;
  teardown = () => simulated.stop();
}
let exitCode = 1;
try {
  const before = await shop.clusterState();
  console.log(`Cluster before: ${Object.keys(before).join(', ')}`);

  step(`Running the bundled action (dist/index.js) on pull request #21 with image ${candidate}`);
  const result = await shop.run(shop.inputs('pr-21', candidate));
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
  // On a real cluster the dark copy's pods outlive its Deployment while they terminate: give them a minute.
  const ended = Date.now();
  let after = await shop.clusterState();
  while (!isDeepStrictEqual(after, before) && Date.now() - ended < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    after = await shop.clusterState();
  }
  const restored = isDeepStrictEqual(after, before);
  const waited = Math.round((Date.now() - ended) / 100) / 10;
  if (waited > 0.5)
    console.log(`(The dark pods were still terminating when the action ended; gone ${waited} s later.)`);
  const left = await shop.managedObjects();
  console.log(`Cluster after: ${Object.keys(after).join(', ')}`);
  console.log(restored ? 'Exactly as before the run.' : 'NOT as before the run.');
  console.log(left.length === 0 ? 'Nothing of Shadowgate left.' : `Left behind: ${left.join(', ')}`);
  console.log(`Requests mirrored to the dark copy: ${await mirrored()}`);
  const verdict = result.outputs.verdict ?? `none (exit status ${result.exitCode})`;
  console.log(
    `\nDemo finished: verdict ${verdict}; the regression was ${verdict === 'fail' ? 'caught' : 'NOT caught'}.`,
  );
  exitCode = verdict === 'fail' && restored && left.length === 0 ? 0 : 1;
} finally {
  step('Tearing down');
  await teardown();
}
process.exit(exitCode);
