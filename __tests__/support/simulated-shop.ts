// The istio-deployment sample (samples/istio-deployment/app.yaml: Namespace shop, Deployment + Service
// checkout, VirtualService checkout) applied to a real API server, brought to life by the simulated data plane,
// with a fake GitHub API for the PR comment: what the end-to-end test and `npm run demo:cluster` run the bundled
// action against.
import { readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { clusterState, managedObjects, NAMESPACE, PR, SERVICE } from './checkout-cluster.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github-server.js';
import { type KubeTestEnv, startKubeTestEnv } from './kube-test-env.js';
import { type ActionRun, runBundledAction } from './run-bundled-action.js';
import { type AppProfile, SimulatedDataPlane } from './simulated-data-plane.js';

// The sample's names, which the checkout cluster uses too.
export { NAMESPACE, PR, SERVICE };

const APP_YAML = new URL('../../samples/istio-deployment/app.yaml', import.meta.url);

/** The sample's objects, in file order (the Namespace first). */
export function sampleObjects(): k8s.KubernetesObject[] {
  return parseAllDocuments(readFileSync(APP_YAML, 'utf8')).map(
    (document) => document.toJS() as k8s.KubernetesObject,
  );
}

/** The live Deployment's image in the sample. */
export function liveImage(): string {
  const deployment = sampleObjects().find((object) => object.kind === 'Deployment') as k8s.V1Deployment;
  return deployment.spec?.template.spec?.containers[0]?.image ?? '';
}

export interface SimulatedShop {
  readonly env: KubeTestEnv;
  readonly admin: KubeApi;
  readonly plane: SimulatedDataPlane;
  readonly github: FakeGitHub;
  /** The action's inputs for a run that deploys `image` as `checkout-<suffix>` (target deployment, router istio). */
  inputs(suffix: string, image: string, extra?: Record<string, string>): Record<string, string>;
  /** One main step run of the bundled action, as a new workflow run on pull request #21. */
  run(inputs: Record<string, string>): Promise<ActionRun>;
  clusterState(): Promise<Record<string, unknown>>;
  managedObjects(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSimulatedShop(options: {
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
  try {
    const env = await startKubeTestEnv();
    stops.push(() => env.stop());
    const admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
    for (const object of sampleObjects()) {
      // The namespace as the test environment makes one (with the default ServiceAccount no controller adds).
      if (object.kind === 'Namespace') await env.createNamespace(object.metadata?.name ?? '');
      else await admin.create(object);
    }
    const plane = await SimulatedDataPlane.start({
      adminKubeconfig: env.adminKubeconfig,
      namespace: NAMESPACE,
      service: SERVICE,
      profiles: { [liveImage()]: options.live, ...options.candidates },
      ratePerSecond: options.ratePerSecond,
      ...(options.log ? { log: options.log } : {}),
    });
    stops.push(() => plane.stop());
    const github = await startFakeGitHub();
    stops.push(() => github.close());
    let runNumber = 7000;
    return {
      env,
      admin,
      plane,
      github,
      inputs: (suffix, image, extra = {}) => ({
        name: 'checkout-gate',
        namespace: NAMESPACE,
        service: SERVICE,
        'prometheus-url': plane.prometheus.url,
        'metric-template': 'istio',
        objectives: 'p95-latency < 100ms\np95-latency <= live + 50%\nerror-rate < 5%',
        interval: '3s',
        iterations: '3',
        'min-requests': '20',
        'github-token': 'ghs_simulatedDataPlane0123456789',
        comment: 'always',
        kubeconfig: env.adminKubeconfig,
        target: 'deployment',
        image,
        'revision-suffix': suffix,
        router: 'istio',
        'virtual-service': SERVICE,
        'ready-timeout': '60s',
        ...extra,
      }),
      run: (inputs) => {
        runNumber++;
        return runBundledAction({
          inputs,
          event: PR,
          apiUrl: github.url,
          env: { GITHUB_RUN_ID: String(runNumber) },
        });
      },
      clusterState: () => clusterState(admin, NAMESPACE),
      managedObjects: () => managedObjects(admin, NAMESPACE),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
