// The samples against a real API server. Their manifests are accepted by the API and the CRD schemas (on the kube
// test env, which has every CRD they use). The Roles in samples/rbac/, with RBAC enforced on the real cluster:
// the whole lifecycle (take over a dead run's Lease, sweep its leftovers, deploy, mirror, clean up; then a second
// run that creates the Lease and promotes) succeeds with exactly the sample's rules, and fails with an error
// naming the verb and resource when any single verb is missing. The real controllers and kubelet run every dark
// copy and roll the live pods over on promotion; for knative-istio, Knative's own controller creates and readies
// every revision (Istio's CRDs only check the VirtualService). The dark versions run images that start at once
// (pause for a Deployment, serve.c for a revision, which queue-proxy must reach). Each case has a namespace of
// its own, so the cases run side by side. knative-gateway's Role is used by e2e/real-knative.
import { readdirSync, readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { systemClock } from '../../../src/clock/system-clock.js';
import type { ClusterContext } from '../../../src/cluster/cluster-context.js';
import { openDarkLaunch } from '../../../src/cluster/dark-launch.js';
import { DeploymentTarget } from '../../../src/cluster/deployment-target.js';
import { GatewayRouter } from '../../../src/cluster/gateway-router.js';
import { IstioRouter } from '../../../src/cluster/istio-router.js';
import { SavedJournal } from '../../../src/cluster/journal.js';
import type { KnativeService } from '../../../src/cluster/knative-resources.js';
import { KnativeTarget } from '../../../src/cluster/knative-target.js';
import type { KubeApi } from '../../../src/cluster/kube-api.js';
import { createKubeApi } from '../../../src/cluster/kube-client.js';
import { leaseName } from '../../../src/cluster/lease-lock.js';
import { snapshotOf } from '../../../src/cluster/object-change.js';
import { ownershipLabels } from '../../../src/cluster/ownership.js';
import type {
  ClusterConfig,
  DeploymentTargetConfig,
  KnativeTargetConfig,
  RouterConfig,
} from '../../../src/core/cluster-config.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { installIstioCrds, type KubeTestEnv, startKubeTestEnv } from '../../support/kube-test-env.js';
import {
  FAST_READINESS,
  PAUSE_IMAGE,
  SERVE_IMAGES,
  startKnative,
  until,
} from '../../support/real-cluster.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';
import { suiteCluster } from '../../support/suite-cluster.js';

let env: KubeTestEnv;
let admin: KubeApi;
/** The real cluster's namespaces this file made, with their release once under way. */
const realNamespaces = new Map<string, Promise<void> | undefined>();

beforeAll(async () => {
  env = await startKubeTestEnv();
  const cluster = suiteCluster();
  await Promise.all([startKnative(), installIstioCrds(cluster.admin)]);
  admin = createKubeApi({ kind: 'inline', yaml: cluster.adminKubeconfig }, () => {});
});

afterAll(async () => {
  await env?.stop();
  await Promise.all(
    [...realNamespaces].map(([namespace, leaving]) => leaving ?? suiteCluster().leaveNamespace(namespace)),
  );
});

async function createNamespace(namespace: string): Promise<void> {
  realNamespaces.set(namespace, undefined);
  await suiteCluster().createNamespace(namespace);
}

/** Starts stopping what runs in a case's namespace once the case is done, while the other cases run. */
function release(namespace: string): void {
  const leaving = suiteCluster().leaveNamespace(namespace);
  // Awaited at the file's end, which fails if it does.
  leaving.catch(() => {});
  realNamespaces.set(namespace, leaving);
}

const samples = new URL('../../../samples/', import.meta.url);

function sampleObjects(path: string): k8s.KubernetesObject[] {
  return parseAllDocuments(readFileSync(new URL(path, samples), 'utf8')).map(
    (document) => document.toJS() as k8s.KubernetesObject,
  );
}

interface Combination {
  readonly file: string;
  readonly service: string;
  readonly target: (suffix: string) => DeploymentTargetConfig | KnativeTargetConfig;
  readonly router: Exclude<RouterConfig, { kind: 'none' }>;
  /** The live app, without its routing. */
  readonly app: (namespace: string) => k8s.KubernetesObject[];
  /** The user's routing object. */
  readonly routing: (namespace: string) => k8s.KubernetesObject;
  /** Waits until the live app is as its controller leaves it, where the action reads that. */
  readonly settled?: (namespace: string) => Promise<void>;
  /** Asserts that run-2's promotion is in place. */
  readonly expectPromoted: (namespace: string) => Promise<void>;
}

/**
 * The live Deployment's image, and the candidate's: serve.c and the pause image, which start at once, so that the
 * live pods and dark copies of the 38 lifecycles cost little more than on the kube test env (no request reaches
 * them; samples/app, a Node process, cost about half a CPU-second each to start). Both are in the real cluster.
 */
const live = SERVE_IMAGES.live;
const candidate = PAUSE_IMAGE;

const sampleAppRef = (namespace: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  namespace,
  name: 'sample-app',
});

function liveDeployment(namespace: string): k8s.KubernetesObject[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout', namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'checkout' } },
        template: {
          metadata: { labels: { app: 'checkout' } },
          // serve.c exits on SIGTERM at once; 2 s in case a pod is deleted before it runs.
          spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image: live }] },
        },
      },
    } as k8s.V1Deployment,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'checkout', namespace },
      spec: { selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80 }] },
    } as k8s.V1Service,
  ];
}

const deploymentTarget = (suffix: string): DeploymentTargetConfig => ({
  kind: 'deployment',
  deployment: 'checkout',
  image: candidate,
  suffix,
  env: {},
});

async function expectLiveDeploymentPromoted(namespace: string): Promise<void> {
  const promoted = await admin.read<k8s.V1Deployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace,
    name: 'checkout',
  });
  expect(promoted?.spec?.template.spec?.containers[0]?.image).toBe(candidate);
}

const combinations: Combination[] = [
  {
    file: 'deployment-gateway.yaml',
    service: 'checkout',
    target: deploymentTarget,
    router: { kind: 'gateway-api', httpRoute: 'shop', percent: 50 },
    app: liveDeployment,
    routing: (namespace) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shop', namespace },
      spec: {
        parentRefs: [{ name: 'shop' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/cart' } }],
            backendRefs: [{ name: 'cart', port: 80 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/checkout' } }],
            backendRefs: [{ name: 'checkout', port: 80 }],
          },
        ],
      },
    }),
    expectPromoted: expectLiveDeploymentPromoted,
  },
  {
    file: 'deployment-istio.yaml',
    service: 'checkout',
    target: deploymentTarget,
    router: { kind: 'istio', mode: 'patch', virtualService: 'checkout', percent: 100 },
    app: liveDeployment,
    routing: (namespace) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'checkout', namespace },
      spec: {
        hosts: [`checkout.${namespace}.svc.cluster.local`],
        http: [
          {
            route: [
              { destination: { host: `checkout.${namespace}.svc.cluster.local`, port: { number: 80 } } },
            ],
          },
        ],
      },
    }),
    expectPromoted: expectLiveDeploymentPromoted,
  },
  {
    file: 'knative-istio.yaml',
    service: 'sample-app',
    target: (suffix) => ({
      kind: 'knative',
      image: SERVE_IMAGES.candidate,
      suffix,
      env: {},
      annotations: {},
      tag: 'dark',
    }),
    router: { kind: 'istio', mode: 'patch', virtualService: 'example-mirroring', percent: 40 },
    // As samples/knative-istio/service.yaml, with an image of the cluster's that serves at once.
    app: (namespace) => [
      {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name: 'sample-app', namespace },
        spec: {
          template: {
            metadata: { name: 'sample-app-v1' },
            spec: {
              containers: [{ name: 'app', image: SERVE_IMAGES.live, readinessProbe: FAST_READINESS }],
            },
          },
          traffic: [{ revisionName: 'sample-app-v1', percent: 100 }],
        },
      } as KnativeService,
    ],
    // As samples/knative-istio/routing-rules.yaml.
    routing: (namespace) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'example-mirroring', namespace },
      spec: {
        gateways: ['mesh', 'knative-serving/knative-ingress-gateway'],
        hosts: ['example.com'],
        http: [
          {
            rewrite: { authority: `sample-app.${namespace}.svc.cluster.local` },
            route: [{ destination: { host: 'knative-local-gateway.istio-system.svc.cluster.local' } }],
          },
        ],
      },
    }),
    settled: (namespace) =>
      until(`Knative Service sample-app in ${namespace} serving sample-app-v1`, 60_000, async () => {
        const service = await admin.read<KnativeService>(sampleAppRef(namespace));
        return service?.status?.traffic?.[0]?.revisionName === 'sample-app-v1';
      }),
    expectPromoted: async (namespace) => {
      const service = await admin.read<KnativeService>(sampleAppRef(namespace));
      // Knative's webhook adds latestRevision: false to an entry that names a revision.
      expect(service?.spec?.traffic).toEqual([
        { revisionName: 'sample-app-run-2', percent: 100, latestRevision: false },
      ]);
    },
  },
];

function config(combination: Combination, suffix: string, promote: boolean): ClusterConfig {
  return {
    kubeconfig: { kind: 'runner' },
    target: combination.target(suffix),
    router: combination.router,
    readyTimeoutMs: 60_000,
    leaseWaitMs: 0,
    promote,
  };
}

let namespaces = 0;
/**
 * How often the runs poll: the cases run side by side, and faster polls of the API server, which the cluster's
 * controllers and Knative's share, slow everything down.
 */
const POLL_MS = 250;

/**
 * A namespace with the live app, the user's routing object, and what a run killed mid-way left behind: its dark
 * version, its change to the routing object, and its expired Lease.
 */
async function seed(
  combination: Combination,
): Promise<{ namespace: string; routingBefore: k8s.KubernetesObject }> {
  const namespace = `least-privilege-${++namespaces}`;
  const { service } = combination;
  await createNamespace(namespace);
  for (const object of combination.app(namespace)) await admin.create(object);
  const routingBefore = snapshotOf(await admin.create(combination.routing(namespace)));
  await combination.settled?.(namespace);

  const deadRun: ClusterContext = {
    api: admin,
    namespace,
    service,
    runId: 'dead-run',
    clock: systemClock,
    log: () => {},
    readyTimeoutMs: 60_000,
    pollIntervalMs: POLL_MS,
  };
  const journal = new SavedJournal({ runId: 'dead-run', namespace, service }, () => {});
  const targetConfig = combination.target('dead');
  const target =
    targetConfig.kind === 'knative'
      ? new KnativeTarget(deadRun, targetConfig)
      : new DeploymentTarget(deadRun, targetConfig);
  const dark = await target.deploy(journal);
  const { router: routerConfig } = combination;
  const router =
    routerConfig.kind === 'istio'
      ? new IstioRouter(deadRun, routerConfig)
      : new GatewayRouter(deadRun, routerConfig);
  await router.mirror(dark, journal);
  const longAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  await admin.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: leaseName(service), namespace, labels: ownershipLabels(service, 'dead-run') },
    spec: { holderIdentity: 'dead-run', leaseDurationSeconds: 30, acquireTime: longAgo, renewTime: longAgo },
  });
  return { namespace, routingBefore };
}

interface Outcome {
  /** Error messages and cleanup failures, in order. */
  readonly problems: string[];
  readonly logs: string[];
}

/** Run 1 takes over the dead run's Lease, sweeps, deploys, mirrors and cleans up; run 2 does it again and promotes. */
async function lifecycle(combination: Combination, namespace: string, api: KubeApi): Promise<Outcome> {
  const problems: string[] = [];
  const logs: string[] = [];
  for (const [runId, promote] of [
    ['run-1', false],
    ['run-2', true],
  ] as const) {
    try {
      const launch = await openDarkLaunch(
        config(combination, runId, promote),
        { namespace, service: combination.service },
        {
          api,
          clock: systemClock,
          log: (line) => logs.push(line),
          runId,
          save: () => {},
          pollIntervalMs: POLL_MS,
        },
      );
      try {
        if (promote) await launch.promote();
      } finally {
        const summary = await launch.close();
        problems.push(...summary.failures);
        if (!summary.leaseReleased) problems.push('lease not released');
      }
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    if (problems.length > 0) break;
  }
  return { problems, logs };
}

/** How the API names the resource in an error: `deployments.apps`, `pods`. */
function resourceName(rule: k8s.V1PolicyRule): string {
  const group = rule.apiGroups?.[0] ?? '';
  return `${rule.resources?.[0]}${group ? `.${group}` : ''}`;
}

/** The Kubernetes manifests of each sample: everything but the experiment file and the workflows. */
const manifestFiles = [
  'istio-deployment',
  'gateway-api',
  'knative-istio',
  'knative-gateway-api',
  'rbac',
].flatMap((sample) =>
  readdirSync(new URL(`${sample}/`, samples))
    .filter((file) => file.endsWith('.yaml') && file !== 'experiment.yaml')
    .map((file) => `${sample}/${file}`),
);

describe('sample manifests', () => {
  it.each(manifestFiles)('%s is accepted by the API server and the CRD schemas', async (path) => {
    // Each file in a namespace of its own, so samples that share names do not collide.
    const namespace = `sample-${++namespaces}`;
    await env.createNamespace(namespace);
    const objects = sampleObjects(path);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      if (object.kind === 'Namespace') continue;
      const moved = JSON.parse(
        JSON.stringify(object)
          .replaceAll('"namespace":"shop"', `"namespace":"${namespace}"`)
          .replaceAll('"namespace":"knative-shop"', `"namespace":"${namespace}"`)
          .replaceAll('"namespace":"default"', `"namespace":"${namespace}"`)
          .replaceAll('"namespace":"istio-system"', `"namespace":"${namespace}"`),
      ) as k8s.KubernetesObject;
      expect(moved.metadata?.namespace).toBe(namespace);
      const created = await createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {}).create(
        moved,
      );
      expect(created.metadata?.uid).toBeTruthy();
    }
  });
});

describe.each(combinations)('samples/rbac/$file', (combination) => {
  const rules = sampleRoleRules(combination.file);

  it.concurrent('is enough for the whole lifecycle, which leaves nothing behind and restores the routing exactly', async () => {
    const { namespace, routingBefore } = await seed(combination);
    const api = createKubeApi(
      { kind: 'inline', yaml: await suiteCluster().mintKubeconfig(namespace, rules) },
      () => {},
    );

    const { problems, logs } = await lifecycle(combination, namespace, api);

    expect(problems, logs.join('\n')).toEqual([]);
    expect(logs).toContain(
      `Taking over the Lease "${leaseName(combination.service)}" from run "dead-run", which stopped renewing it`,
    );
    expect(await leftovers(admin, namespace)).toEqual([]);
    const ref = {
      apiVersion: routingBefore.apiVersion ?? '',
      kind: routingBefore.kind ?? '',
      namespace,
      name: routingBefore.metadata?.name ?? '',
    };
    expect(snapshotOf((await admin.read(ref)) ?? {})).toEqual(routingBefore);
    await combination.expectPromoted(namespace);
    release(namespace);
  });

  const withoutOne = rules.flatMap((rule, index) =>
    rule.verbs.map((verb) => ({
      verb,
      resource: resourceName(rule),
      label: `${verb} on ${resourceName(rule)}${rule.resourceNames ? ` (${rule.resourceNames.join(', ')})` : ''}`,
      rules: rules.flatMap((other, otherIndex) => {
        if (otherIndex !== index) return [other];
        const verbs = other.verbs.filter((entry) => entry !== verb);
        return verbs.length > 0 ? [{ ...other, verbs }] : [];
      }),
    })),
  );

  // Each case in a namespace of its own, so they run side by side: on the real cluster most of a case's time is
  // waiting for a dark copy's pod.
  it.concurrent.each(withoutOne)('fails naming the verb and resource without $label', async (missing) => {
    const { namespace } = await seed(combination);
    const api = createKubeApi(
      { kind: 'inline', yaml: await suiteCluster().mintKubeconfig(namespace, missing.rules) },
      () => {},
    );

    const { problems } = await lifecycle(combination, namespace, api);

    expect(problems.join('\n')).toContain(`cannot ${missing.verb} ${missing.resource}`);
    expect(problems.join('\n')).toContain('forbidden');
    release(namespace);
  });
});
