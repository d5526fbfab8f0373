// The Deployment target on the real cluster: the real Deployment and ReplicaSet controllers, scheduler and kubelet
// roll the dark copy out, and what it reports when it cannot (an image that cannot be pulled, a container that
// crashes, a stuck rollout) is the kubelet's and the controller's own wording.
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock/system-clock.js';
import type { ClusterContext } from '../../../src/cluster/cluster-context.js';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import { DeploymentTarget } from '../../../src/cluster/deployment-target.js';
import { SavedJournal, undoChanges } from '../../../src/cluster/journal.js';
import type { KubeApi, ObjectRef } from '../../../src/cluster/kube-api.js';
import { createKubeApi } from '../../../src/cluster/kube-client.js';
import { snapshotOf } from '../../../src/cluster/object-change.js';
import { CHANGED_BY_ANNOTATION, ownershipLabels } from '../../../src/cluster/ownership.js';
import type { DeploymentTargetConfig } from '../../../src/core/cluster-config.js';
import { FakeClock } from '../../support/fake-clock.js';
import { APP_IMAGES, type RealCluster } from '../../support/real-cluster.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const namespace = 'deployment-target';
const runId = '9001-1';
const candidate = APP_IMAGES.regressed;
/** Listens away from its readiness probe's port: Running, never Ready, with nothing the kubelet calls an error. */
const NEVER_READY = { MODE: 'dark', PORT: '9999' };

let cluster: RealCluster;
let admin: KubeApi;

const liveDeployment: k8s.V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'checkout', namespace, labels: { app: 'checkout' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'checkout' } },
    template: {
      metadata: { labels: { app: 'checkout', version: 'v1' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: APP_IMAGES.healthy,
            env: [{ name: 'MODE', value: 'live' }],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
          },
        ],
        // The pods of a deleted dark copy go at once, so a test's cleanup leaves nothing running.
        terminationGracePeriodSeconds: 0,
      },
    },
  },
};

const liveService: k8s.V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'checkout', namespace },
  spec: { selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

function ref(apiVersion: string, kind: string, name: string): ObjectRef {
  return { apiVersion, kind, namespace, name };
}

function context(overrides: Partial<ClusterContext> = {}): ClusterContext {
  return {
    api: admin,
    namespace,
    service: 'checkout',
    runId,
    clock: systemClock,
    log: () => {},
    // Failures must be found from the workload's diagnostics, long before this.
    readyTimeoutMs: 600_000,
    pollIntervalMs: 50,
    ...overrides,
  };
}

function config(suffix: string, overrides: Partial<DeploymentTargetConfig> = {}): DeploymentTargetConfig {
  return {
    kind: 'deployment',
    deployment: 'checkout',
    image: candidate,
    suffix,
    env: { MODE: 'dark' },
    ...overrides,
  };
}

beforeAll(async () => {
  cluster = suiteCluster();
  admin = createKubeApi({ kind: 'inline', yaml: cluster.adminKubeconfig }, () => {});
  await cluster.createNamespace(namespace);
  await admin.create(liveDeployment);
  await admin.create(liveService);
});

// The namespace goes with the cluster's stop.
afterAll(async () => {
  await cluster?.leaveNamespace(namespace);
});

let journal: SavedJournal;
beforeEach(() => {
  journal = new SavedJournal({ runId, namespace, service: 'checkout' }, () => {});
});

/** Cleanup as the action runs it; it must undo everything. */
async function cleanUp(): Promise<void> {
  const { failures } = await undoChanges(admin, journal, () => {});
  expect(failures).toEqual([]);
  expect(journal.changes).toEqual([]);
}

describe('deploy', () => {
  it('creates a dark Deployment and Service the API server accepts and resolves once the rollout completes', async () => {
    const liveBefore = snapshotOf(
      (await admin.read<k8s.V1Deployment>(ref('apps/v1', 'Deployment', 'checkout'))) ?? {},
    );
    const lines: string[] = [];
    const target = new DeploymentTarget(context({ log: (line) => lines.push(line) }), config('abc1234'));

    const dark = await target.deploy(journal);

    expect(dark).toEqual({
      darkRevision: 'checkout-abc1234',
      liveRevision: 'checkout',
      darkService: { name: 'checkout-abc1234', port: 80 },
      liveService: { name: 'checkout', port: 80 },
    });
    const deployment = await admin.read<k8s.V1Deployment>(ref('apps/v1', 'Deployment', 'checkout-abc1234'));
    expect(deployment?.metadata?.labels).toMatchObject(ownershipLabels('checkout', runId));
    expect(deployment?.spec?.replicas).toBe(1);
    expect(deployment?.spec?.template.spec?.containers[0]).toMatchObject({
      image: candidate,
      env: [{ name: 'MODE', value: 'dark' }],
    });
    expect(deployment?.status?.availableReplicas).toBe(1);
    const service = await admin.read<k8s.V1Service>(ref('v1', 'Service', 'checkout-abc1234'));
    expect(service?.spec?.selector).toEqual(deployment?.spec?.selector?.matchLabels);
    expect(service?.spec?.ports).toMatchObject([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(service?.metadata?.labels).toMatchObject(ownershipLabels('checkout', runId));

    expect(journal.changes).toEqual([
      { action: 'created', ref: ref('apps/v1', 'Deployment', 'checkout-abc1234') },
      { action: 'created', ref: ref('v1', 'Service', 'checkout-abc1234') },
    ]);
    const liveAfter = snapshotOf(
      (await admin.read<k8s.V1Deployment>(ref('apps/v1', 'Deployment', 'checkout'))) ?? {},
    );
    expect(liveAfter).toEqual(liveBefore);
    expect(lines).toContain(`Created Deployment and Service "checkout-abc1234" running ${candidate}`);

    await cleanUp();
    expect(await admin.read(ref('apps/v1', 'Deployment', 'checkout-abc1234'))).toBeUndefined();
    expect(await admin.read(ref('v1', 'Service', 'checkout-abc1234'))).toBeUndefined();
  });

  it("fails fast on an image that cannot be pulled, with the kubelet's reason and message", async () => {
    // A registry on 127.0.0.1 that is not there: the kubelet's pull fails at once, and nothing leaves the machine.
    const image = '127.0.0.1:9/acme/checkout:nope';
    const target = new DeploymentTarget(context(), config('badimg', { image }));

    await expect(target.deploy(journal)).rejects.toThrow(
      /^The dark Deployment "checkout-badimg" in namespace "deployment-target" failed to roll out: pod checkout-badimg-\S+ container app: (ErrImagePull|ImagePullBackOff): .*127\.0\.0\.1:9\/acme\/checkout:nope.*connection refused/,
    );
    // Recorded before they were made, so cleanup removes them after the failure.
    expect(journal.changes.map((change) => change.ref.name)).toEqual(['checkout-badimg', 'checkout-badimg']);
    await cleanUp();
  });

  it("fails fast on a container that crashes, with the kubelet's back-off and the last exit", async () => {
    const target = new DeploymentTarget(context(), config('crash', { image: APP_IMAGES.crashes }));

    await expect(target.deploy(journal)).rejects.toThrow(
      /failed to roll out: pod checkout-crash-\S+ container app: CrashLoopBackOff: back-off \d+s restarting failed container=app pod=checkout-crash-\S+ \(last exit code 1, Error\)$/,
    );
    await cleanUp();
  });

  it("fails on ProgressDeadlineExceeded with the Deployment controller's message", async () => {
    // The dark copy keeps the live Deployment's progressDeadlineSeconds.
    const deadline = {
      ...liveDeployment,
      spec: { ...liveDeployment.spec, progressDeadlineSeconds: 2, replicas: 0 },
    };
    await admin.create({
      ...deadline,
      metadata: { ...deadline.metadata, name: 'checkout-deadline' },
    } as k8s.V1Deployment);
    const target = new DeploymentTarget(
      context(),
      config('slow', { deployment: 'checkout-deadline', env: NEVER_READY }),
    );

    await expect(target.deploy(journal)).rejects.toThrow(
      /failed to roll out: ProgressDeadlineExceeded: ReplicaSet "checkout-deadline-slow-\w+" has timed out progressing\.$/,
    );
    await cleanUp();
    await admin.delete(ref('apps/v1', 'Deployment', 'checkout-deadline'));
  });

  it('times out with what was still missing, polling at the interval up to the deadline', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const target = new DeploymentTarget(
      context({ clock, readyTimeoutMs: 10_000, pollIntervalMs: 1_000 }),
      config('stuck', { env: NEVER_READY }),
    );

    await expect(target.deploy(journal)).rejects.toThrow(
      /^The dark Deployment "checkout-stuck" in namespace "deployment-target" was not ready within 10 s \(ready-timeout\): (the Deployment controller has not yet observed generation 1|0 of 1 replicas updated|0 of 1 updated replicas available)/,
    );
    expect(clock.now()).toBe(start + 10_000);
    expect(clock.sleeps).toEqual(Array.from({ length: 10 }, (_, i) => start + (i + 1) * 1_000));
    await cleanUp();
  });

  it('stops waiting when aborted', async () => {
    const target = new DeploymentTarget(context(), config('abort', { env: NEVER_READY }));
    const abort = new AbortController();
    const deployed = target.deploy(journal, abort.signal);
    abort.abort(new Error('cancelled by SIGTERM'));
    await expect(deployed).rejects.toThrow('cancelled by SIGTERM');
    await cleanUp();
  });

  it('names the deployment input when the live Deployment does not exist', async () => {
    const target = new DeploymentTarget(context(), config('x1', { deployment: 'payments' }));
    await expect(target.deploy(journal)).rejects.toThrow(
      'Invalid deployment: there is no Deployment "payments" in namespace "deployment-target" to copy the dark version from',
    );
    expect(journal.changes).toEqual([]);
  });
});

describe('promote', () => {
  it('gives the live Deployment the candidate image and env, removes the dark copy, and keeps no record of either', async () => {
    const target = new DeploymentTarget(context(), config('good'));
    const dark = await target.deploy(journal);

    const sentence = await target.promote(dark, journal);

    expect(sentence).toBe(
      `Deployment "checkout" now runs ${candidate} in container "app" with 1 env override(s), as the dark copy ` +
        '"checkout-good" did; the dark copy was removed.',
    );
    const live = await admin.read<k8s.V1Deployment>(ref('apps/v1', 'Deployment', 'checkout'));
    expect(live?.spec?.template.spec?.containers[0]).toMatchObject({
      image: candidate,
      env: [{ name: 'MODE', value: 'dark' }],
    });
    expect(live?.spec?.replicas).toBe(2);
    // The real rollout of the promoted image.
    await expect
      .poll(
        async () => (await admin.read<k8s.V1Deployment>(ref('apps/v1', 'Deployment', 'checkout')))?.status,
        {
          timeout: 60_000,
        },
      )
      .toMatchObject({ updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(live?.metadata?.annotations ?? {}).not.toHaveProperty([CHANGED_BY_ANNOTATION]);
    expect(await admin.read(ref('apps/v1', 'Deployment', 'checkout-good'))).toBeUndefined();
    expect(await admin.read(ref('v1', 'Service', 'checkout-good'))).toBeUndefined();
    expect(journal.changes).toEqual([]);
  });
});

describe('permissions', () => {
  it('names the verb and resource the identity lacks', async () => {
    const restricted = createKubeApi(
      {
        kind: 'inline',
        yaml: await cluster.mintKubeconfig(namespace, [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create'] },
          { apiGroups: [''], resources: ['services'], verbs: ['get'] },
        ]),
      },
      () => {},
    );
    const target = new DeploymentTarget(context({ api: restricted }), config('norbac'));

    const failure = await target.deploy(journal).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ClusterError);
    expect((failure as ClusterError).message).toMatch(
      /^cannot create services "checkout-norbac" in namespace "deployment-target": forbidden \(.*cannot create resource "services"/,
    );
    await cleanUp();
  });
});
