// The lifecycle around a dark launch against a real API server: the Lease that keeps two runs apart, the sweep of
// what a dead run left, optimistic-concurrency retries, RBAC errors and a least-privilege identity.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubernetesObject, V1Lease, V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock/system-clock.js';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import { type DarkLaunchDeps, openDarkLaunch } from '../../../src/cluster/dark-launch.js';
import type { VirtualService } from '../../../src/cluster/istio-router.js';
import { SavedJournal } from '../../../src/cluster/journal.js';
import type { KubeApi, ObjectRef } from '../../../src/cluster/kube-api.js';
import { createKubeApi, updateWithRetry } from '../../../src/cluster/kube-client.js';
import { LeaseLock } from '../../../src/cluster/lease-lock.js';
import { changeObject, snapshotOf } from '../../../src/cluster/object-change.js';
import { CHANGED_BY_ANNOTATION, ownershipLabels } from '../../../src/cluster/ownership.js';
import type { ClusterConfig, IstioRouterConfig } from '../../../src/core/cluster-config.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { type KubeTestEnv, startKubeTestEnv } from '../../support/kube-test-env.js';

const namespace = 'warehouse';

let env: KubeTestEnv;
let admin: KubeApi;

beforeAll(async () => {
  env = await startKubeTestEnv();
  admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, namespace } });
});

afterAll(async () => {
  await env?.stop();
});

const vsRef = (name: string): ObjectRef => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  namespace,
  name,
});
const leaseRef = (service: string): ObjectRef => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  namespace,
  name: `shadowgate-${service}`,
});

function context(runId: string, service: string, api: KubeApi = admin) {
  const lines: string[] = [];
  return {
    ctx: { api, clock: systemClock, log: (line: string) => lines.push(line), namespace, service, runId },
    lines,
  };
}

/** The live Service and the already running dark one, for target `existing`. */
async function services(service: string): Promise<void> {
  for (const name of [service, `${service}-v2`]) {
    await admin.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { clusterIP: 'None', ports: [{ name: 'http', port: 8080 }] },
    });
  }
}

async function userVirtualService(name: string, service: string): Promise<KubernetesObject> {
  const created = await admin.create<VirtualService>({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace, labels: { team: 'warehouse' } },
    spec: {
      hosts: [`${service}.${namespace}.svc.cluster.local`],
      http: [
        {
          route: [
            { destination: { host: `${service}.${namespace}.svc.cluster.local`, port: { number: 8080 } } },
          ],
          timeout: '5s',
        },
      ],
    },
  });
  return snapshotOf(created);
}

function config(router: ClusterConfig['router'], kubeconfig = env.adminKubeconfig): ClusterConfig {
  return {
    kubeconfig: { kind: 'inline', yaml: kubeconfig },
    target: { kind: 'existing' },
    router,
    readyTimeoutMs: 5_000,
    leaseWaitMs: 0,
    promote: false,
  };
}

function deps(runId: string, overrides: Partial<DarkLaunchDeps> = {}): DarkLaunchDeps {
  return {
    api: admin,
    clock: systemClock,
    log: () => {},
    runId,
    save: () => {},
    pollIntervalMs: 20,
    ...overrides,
  };
}

const identity = (service: string) => ({
  namespace,
  service,
  darkRevision: `${service}-v2`,
  liveRevision: `${service}-v1`,
});

describe('Lease', () => {
  const timing = { durationSeconds: 30, waitMs: 0, pollIntervalMs: 20 };

  it('makes a second run wait, then fail naming the run that holds it; it takes over once released', async () => {
    const first = await LeaseLock.acquire(context('run-a', 'inventory').ctx, timing);
    const second = context('run-b', 'inventory');
    await expect(LeaseLock.acquire(second.ctx, { ...timing, waitMs: 200 })).rejects.toThrow(
      'Another Shadowgate run, "run-a", holds the Lease "shadowgate-inventory" in namespace "warehouse" and is ' +
        'still dark-launching service "inventory"; gave up after waiting 0.2 s (lease-timeout)',
    );
    expect(second.lines).toEqual([
      'Waiting up to 0.2 s for run "run-a", which holds the Lease "shadowgate-inventory" on service "inventory"',
    ]);

    const waiting = LeaseLock.acquire(second.ctx, { ...timing, waitMs: 10_000 });
    await delay(100);
    await first.release();
    const taken = await waiting;
    expect((await admin.read<V1Lease>(leaseRef('inventory')))?.spec?.holderIdentity).toBe('run-b');
    await taken.release();
    await taken.release();
    expect(await admin.read(leaseRef('inventory'))).toBeUndefined();
  });

  it('is renewed while held, so a waiting run cannot take it even after its duration', async () => {
    const held = await LeaseLock.acquire(context('run-c', 'catalog').ctx, { ...timing, durationSeconds: 1 });
    const acquired = await admin.read<V1Lease>(leaseRef('catalog'));
    await delay(1_500);
    const renewed = await admin.read<V1Lease>(leaseRef('catalog'));
    expect(Date.parse(String(renewed?.spec?.renewTime))).toBeGreaterThan(
      Date.parse(String(acquired?.spec?.renewTime)),
    );
    await expect(LeaseLock.acquire(context('run-d', 'catalog').ctx, timing)).rejects.toThrow('"run-c"');
    await held.release();
  });

  it('is taken over from a run that stopped renewing it', async () => {
    const longAgo = new Date(Date.now() - 120_000).toISOString().replace('Z', '000Z');
    await admin.create<V1Lease>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'shadowgate-pricing', namespace, labels: ownershipLabels('pricing', 'dead-run') },
      spec: {
        holderIdentity: 'dead-run',
        leaseDurationSeconds: 30,
        renewTime: longAgo as unknown as Date,
        acquireTime: longAgo as unknown as Date,
      },
    });
    const { ctx, lines } = context('run-e', 'pricing');
    const lock = await LeaseLock.acquire(ctx, timing);
    expect(lines).toEqual([
      'Taking over the Lease "shadowgate-pricing" from run "dead-run", which stopped renewing it',
    ]);
    const lease = await admin.read<V1Lease>(leaseRef('pricing'));
    expect(lease?.spec).toMatchObject({ holderIdentity: 'run-e', leaseTransitions: 1 });
    expect(lease?.metadata?.labels).toEqual(ownershipLabels('pricing', 'run-e'));
    await lock.release();
  });

  it('keeps a concurrent dark launch of the same service out until the first closes', async () => {
    await services('shipping');
    const first = await openDarkLaunch(config({ kind: 'none' }), identity('shipping'), deps('run-f'));
    expect(first.dark).toEqual({
      darkRevision: 'shipping-v2',
      liveRevision: 'shipping-v1',
      darkService: { name: 'shipping-v2', port: 8080 },
      liveService: { name: 'shipping', port: 8080 },
    });
    await expect(
      openDarkLaunch(config({ kind: 'none' }), identity('shipping'), deps('run-g')),
    ).rejects.toThrow('Another Shadowgate run, "run-f", holds the Lease "shadowgate-shipping"');
    await first.close();
    const second = await openDarkLaunch(config({ kind: 'none' }), identity('shipping'), deps('run-g'));
    expect((await admin.read<V1Lease>(leaseRef('shipping')))?.spec?.holderIdentity).toBe('run-g');
    await second.close();
    expect(await leftovers(admin, namespace)).toEqual([]);
  });
});

describe('sweep of what a dead run left', () => {
  it('deletes what it created and restores what it changed, for this target only', async () => {
    await services('stock');
    const routesBefore = await userVirtualService('stock-routes', 'stock');
    const extraBefore = await userVirtualService('stock-extra', 'stock');
    // The dead run: it changed two VirtualServices, created one, and held the Lease; then its runner vanished.
    const dead = { api: admin, runId: 'dead-1', service: 'stock' };
    const deadJournal = new SavedJournal({ runId: 'dead-1', namespace, service: 'stock' }, () => {});
    const addMirror = (vs: VirtualService): VirtualService => ({
      ...vs,
      spec: { ...vs.spec, http: [{ ...vs.spec?.http?.[0], mirror: { host: 'stock-v2' } }] },
    });
    await changeObject(dead, deadJournal, vsRef('stock-routes'), addMirror);
    await changeObject(dead, deadJournal, vsRef('stock-extra'), addMirror);
    for (const [name, target] of [
      ['stock-shadowgate', 'stock'],
      ['other-shadowgate', 'other'],
    ] as const) {
      await admin.create<VirtualService>({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, namespace, labels: ownershipLabels(target, 'dead-1') },
        spec: { hosts: [`${target}.example.com`], http: [{ route: [{ destination: { host: target } }] }] },
      });
    }
    // Since then, someone redeployed stock-extra: its new spec must stay.
    const redeployed = await admin.mergePatch<VirtualService>(vsRef('stock-extra'), {
      spec: {
        http: [{ route: [{ destination: { host: 'stock.warehouse.svc.cluster.local' } }], timeout: '9s' }],
      },
    });

    const lines: string[] = [];
    const router: IstioRouterConfig = {
      kind: 'istio',
      mode: 'patch',
      percent: 10,
      virtualService: 'stock-routes',
    };
    const launch = await openDarkLaunch(
      config(router),
      identity('stock'),
      deps('run-2', { log: (line) => lines.push(line) }),
    );
    expect(lines).toContain('Swept VirtualService "stock-shadowgate", left behind by run "dead-1"');
    expect(lines).toContain(
      'Restored VirtualService "stock-routes", which run "dead-1" had changed and not put back',
    );
    expect(lines.some((line) => line.startsWith('Left VirtualService "stock-extra" as it is'))).toBe(true);
    expect(await admin.read(vsRef('stock-shadowgate'))).toBeUndefined();
    expect(await admin.read(vsRef('other-shadowgate'))).toBeDefined();
    const extra = await admin.read<VirtualService>(vsRef('stock-extra'));
    expect(extra && snapshotOf(extra)).toEqual({
      ...snapshotOf(redeployed),
      metadata: {
        ...snapshotOf(redeployed).metadata,
        labels: extraBefore.metadata?.labels,
        annotations: undefined,
      },
    });
    // This run's change of stock-routes remembers the state before the dead run, not the dead run's.
    const routes = await admin.read<VirtualService>(vsRef('stock-routes'));
    expect(routes?.metadata?.annotations?.[CHANGED_BY_ANNOTATION]).toBe('run-2');
    expect(routes?.spec?.http?.[0]).toMatchObject({
      mirror: { host: 'stock-v2.warehouse.svc.cluster.local', port: { number: 8080 } },
      mirrorPercentage: { value: 10 },
    });

    await launch.close();
    const restored = await admin.read(vsRef('stock-routes'));
    expect(restored && snapshotOf(restored)).toEqual(routesBefore);
    expect(await leftovers(admin, namespace)).toEqual(['VirtualService/other-shadowgate']);
    await admin.delete(vsRef('other-shadowgate'));
  });
});

describe('optimistic concurrency', () => {
  /** The real API, except that every read is followed by someone else's write: what it returns is already stale. */
  function racedApi(races: number): { api: KubeApi; reads: () => number } {
    let reads = 0;
    // Everything else is the real API (its prototype).
    const api: KubeApi = Object.assign(Object.create(admin) as KubeApi, {
      read: async <T extends KubernetesObject>(ref: ObjectRef) => {
        const object = await admin.read<T>(ref);
        reads += 1;
        if (reads <= races)
          await admin.mergePatch(ref, { metadata: { labels: { [`writer-${reads}`]: 'yes' } } });
        return object;
      },
    });
    return { api, reads: () => reads };
  }

  it('retries an update with a fresh read after a 409, keeping the concurrent change', async () => {
    await userVirtualService('raced', 'raced');
    const { api, reads } = racedApi(1);
    await updateWithRetry<VirtualService>(api, vsRef('raced'), (current) => ({
      ...current,
      metadata: { ...current.metadata, annotations: { ours: 'yes' } },
    }));
    expect(reads()).toBe(2);
    const final = await admin.read<VirtualService>(vsRef('raced'));
    expect(final?.metadata?.annotations).toEqual({ ours: 'yes' });
    expect(final?.metadata?.labels).toMatchObject({ 'writer-1': 'yes' });
  });

  it('gives up after a bounded number of attempts, with the conflict named', async () => {
    await userVirtualService('contested', 'contested');
    const { api, reads } = racedApi(Number.POSITIVE_INFINITY);
    const error = await updateWithRetry<VirtualService>(api, vsRef('contested'), (current) => current).catch(
      (caught: unknown) => caught,
    );
    expect(reads()).toBe(5);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).status).toBe(409);
    expect((error as ClusterError).message).toBe(
      'cannot update virtualservices.networking.istio.io "contested" in namespace "warehouse": conflict ' +
        '(Operation cannot be fulfilled on virtualservices.networking.istio.io "contested": the object has been ' +
        'modified; please apply your changes to the latest version and try again)',
    );
  });
});

describe('RBAC', () => {
  const rules = (virtualServiceVerbs: string[]): V1PolicyRule[] => [
    { apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] },
    { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: virtualServiceVerbs },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      verbs: ['get', 'create', 'update', 'delete'],
    },
  ];

  it('names the verb, the resource and the namespace when a permission is missing', async () => {
    await userVirtualService('locked', 'locked');
    const kubeconfig = await env.mintKubeconfig(namespace, rules(['get', 'list']));
    const restricted = createKubeApi({ kind: 'inline', yaml: kubeconfig }, () => {});
    const patched = await restricted
      .mergePatch(vsRef('locked'), { metadata: { labels: { a: 'b' } } })
      .catch((e) => e);
    expect(patched).toBeInstanceOf(ClusterError);
    expect(patched.status).toBe(403);
    expect(patched.message).toMatch(
      /^cannot patch virtualservices\.networking\.istio\.io "locked" in namespace "warehouse": forbidden \(virtualservices\.networking\.istio\.io "locked" is forbidden: User "system:serviceaccount:warehouse:least-privilege-\w+" cannot patch resource "virtualservices" in API group "networking\.istio\.io" in the namespace "warehouse"\)$/,
    );
    await expect(
      restricted.create({ ...vsRef('new'), metadata: { name: 'new', namespace }, spec: {} }),
    ).rejects.toThrow(
      'cannot create virtualservices.networking.istio.io "new" in namespace "warehouse": forbidden',
    );
    await expect(restricted.delete(vsRef('locked'))).rejects.toThrow(
      'cannot delete virtualservices.networking.istio.io "locked" in namespace "warehouse": forbidden',
    );
  });

  it('runs the whole lifecycle with least privilege, and fails clearly and cleanly without one verb', async () => {
    await services('dispatch');
    const before = await userVirtualService('dispatch-routes', 'dispatch');
    const router: IstioRouterConfig = { kind: 'istio', mode: 'patch', percent: 50 };

    const enough = await env.mintKubeconfig(namespace, rules(['get', 'list', 'update', 'patch']));
    const api = createKubeApi({ kind: 'inline', yaml: enough }, () => {});
    const launch = await openDarkLaunch(
      config(router, enough),
      identity('dispatch'),
      deps('run-rbac', { api }),
    );
    expect(
      (await admin.read<VirtualService>(vsRef('dispatch-routes')))?.spec?.http?.[0]?.mirrorPercentage,
    ).toEqual({
      value: 50,
    });
    expect((await launch.close()).failures).toEqual([]);
    const after = await admin.read(vsRef('dispatch-routes'));
    expect(after && snapshotOf(after)).toEqual(before);

    const lacking = await env.mintKubeconfig(namespace, rules(['get', 'list', 'patch']));
    const limited = createKubeApi({ kind: 'inline', yaml: lacking }, () => {});
    await expect(
      openDarkLaunch(config(router, lacking), identity('dispatch'), deps('run-rbac-2', { api: limited })),
    ).rejects.toThrow(
      /^cannot update virtualservices\.networking\.istio\.io "dispatch-routes" in namespace "warehouse": forbidden \(/,
    );
    expect(await admin.read(leaseRef('dispatch'))).toBeUndefined();
    const untouched = await admin.read(vsRef('dispatch-routes'));
    expect(untouched && snapshotOf(untouched)).toEqual(before);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });
});
