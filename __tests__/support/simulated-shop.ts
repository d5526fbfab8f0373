// A sample applied to a real API server, brought to life by the simulated data plane, with a fake GitHub API for
// the PR comment: what the end-to-end test and `npm run demo:cluster` run the bundled action against. By default
// the istio-deployment sample (samples/istio-deployment/app.yaml: Namespace shop, Deployment + Service checkout,
// VirtualService checkout); also the knative-istio one (Knative Service and VirtualService in namespace default).
// Samples routed by Gateway API run on the real cluster instead (real-shop.ts).
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { clusterState, managedObjects } from './checkout-cluster.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github-server.js';
import { type KubeTestEnv, startKubeTestEnv } from './kube-test-env.js';
import { type ShopRuns, shopRuns } from './shop-runs.js';
import { ISTIO_DEPLOYMENT, liveImage, type ShopSample, sampleObjects } from './shop-samples.js';
import { type AppProfile, SimulatedDataPlane } from './simulated-data-plane.js';

/** p95 in Istio's 25–50 ms bucket with 20 ms to spare for a loaded machine, a few errors in a thousand. */
export const HEALTHY: AppProfile = { latency: '5:0.5,15:0.4,30:0.1', errors: 0.005 };
/** p95 in the 100–250 ms bucket and one request in eight failing. */
export const REGRESSED: AppProfile = { latency: '5:0.3,20:0.3,150:0.4', errors: 0.125 };

export interface SimulatedShop extends ShopRuns {
  readonly env: KubeTestEnv;
  readonly admin: KubeApi;
  readonly plane: SimulatedDataPlane;
  readonly github: FakeGitHub;
  readonly sample: ShopSample;
  clusterState(): Promise<Record<string, unknown>>;
  managedObjects(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSimulatedShop(options: {
  /** By default, istio-deployment. */
  sample?: ShopSample;
  /** How the sample's live image behaves. */
  live: AppProfile;
  /** Candidate images and how each behaves. */
  candidates: Readonly<Record<string, AppProfile>>;
  ratePerSecond: number;
  log?: (line: string) => void;
}): Promise<SimulatedShop> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close();
  };
  const sample = options.sample ?? ISTIO_DEPLOYMENT;
  const { router } = sample;
  if (router.kind !== 'istio') throw new Error('Gateway API samples run on the real cluster (real-shop.ts)');
  try {
    const env = await startKubeTestEnv();
    stops.push(() => env.stop());
    const admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
    for (const object of sampleObjects(sample)) {
      // The namespace as the test environment makes one (with the default ServiceAccount no controller adds).
      if (object.kind === 'Namespace') await env.createNamespace(object.metadata?.name ?? '');
      else await admin.create(object);
    }
    const plane = await SimulatedDataPlane.start({
      adminKubeconfig: env.adminKubeconfig,
      namespace: sample.namespace,
      service: sample.service,
      target: sample.target,
      router,
      liveWorkload: sample.liveWorkload,
      profiles: { [liveImage(sample)]: options.live, ...options.candidates },
      ratePerSecond: options.ratePerSecond,
      ...(options.log ? { log: options.log } : {}),
    });
    stops.push(() => plane.stop());
    const github = await startFakeGitHub();
    stops.push(() => github.close());
    return {
      env,
      admin,
      plane,
      github,
      sample,
      ...shopRuns({
        sample,
        prometheusUrl: plane.prometheus.url,
        kubeconfig: env.adminKubeconfig,
        github,
        firstRunNumber: 7000,
      }),
      clusterState: () => clusterState(admin, sample.namespace, sample.extraKinds),
      managedObjects: () => managedObjects(admin, sample.namespace, sample.extraKinds),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
