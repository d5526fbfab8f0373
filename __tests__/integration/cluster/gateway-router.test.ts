// The Gateway API router against a real API server with the standard-channel Gateway API CRDs (v1.6.1), whose
// OpenAPI schema and CEL rules check every HTTPRoute the router writes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock/system-clock.js';
import type { ClusterContext } from '../../../src/cluster/cluster-context.js';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import { GatewayRouter } from '../../../src/cluster/gateway-router.js';
import type { HttpRoute } from '../../../src/cluster/http-route-mirror.js';
import { SavedJournal, undoChanges } from '../../../src/cluster/journal.js';
import type { KubeApi, ObjectRef } from '../../../src/cluster/kube-api.js';
import { createKubeApi } from '../../../src/cluster/kube-client.js';
import { snapshotOf } from '../../../src/cluster/object-change.js';
import { CHANGED_BY_ANNOTATION, PREVIOUS_ANNOTATION } from '../../../src/cluster/ownership.js';
import type { DarkVersion } from '../../../src/cluster/target.js';
import { type KubeTestEnv, startKubeTestEnv } from '../../support/kube-test-env.js';

const namespace = 'storefront';
const runId = '7007-2';

let env: KubeTestEnv;
let admin: KubeApi;
let journal: SavedJournal;

const dark: DarkVersion = {
  darkRevision: 'checkout-abc1234',
  liveRevision: 'checkout',
  darkService: { name: 'checkout-abc1234', port: 80 },
  liveService: { name: 'checkout', port: 80 },
};

function route(name: string): HttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace, labels: { team: 'shop' }, annotations: { owner: 'shop-team' } },
    spec: {
      parentRefs: [{ name: 'public', namespace: 'gateways' }],
      hostnames: ['shop.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/cart' } }],
          backendRefs: [{ name: 'cart', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/checkout' } }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-tier', value: 'gold' }] },
            },
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'audit', port: 9000 }, percent: 5 },
            },
          ],
          backendRefs: [{ name: 'checkout', port: 80 }],
        },
      ],
    },
  };
}

function ref(name: string): ObjectRef {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name };
}

function context(overrides: Partial<ClusterContext> = {}): ClusterContext {
  return {
    api: admin,
    namespace,
    service: 'checkout',
    runId,
    clock: systemClock,
    log: () => {},
    readyTimeoutMs: 60_000,
    ...overrides,
  };
}

async function read(name: string): Promise<HttpRoute> {
  const object = await admin.read<HttpRoute>(ref(name));
  if (!object) throw new Error(`HTTPRoute ${name} is gone`);
  return object;
}

beforeAll(async () => {
  env = await startKubeTestEnv();
  admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
  await env.createNamespace(namespace);
});

afterAll(async () => {
  await env?.stop();
});

beforeEach(() => {
  journal = new SavedJournal({ runId, namespace, service: 'checkout' }, () => {});
});

describe('mirror', () => {
  it('adds a RequestMirror with percent to the live rule only, accepted by the CRD schema and CEL rules', async () => {
    await admin.create(route('shop'));
    const before = await read('shop');

    await new GatewayRouter(context(), { kind: 'gateway-api', httpRoute: 'shop', percent: 40 }).mirror(
      dark,
      journal,
    );

    const after = await read('shop');
    const [cart, checkout] = after.spec?.rules ?? [];
    expect(cart).toEqual(before.spec?.rules?.[0]);
    expect(checkout?.filters).toEqual([
      ...(before.spec?.rules?.[1]?.filters ?? []),
      {
        type: 'RequestMirror',
        // The API server fills in the CRD defaults group "" and kind Service.
        requestMirror: {
          backendRef: { group: '', kind: 'Service', name: 'checkout-abc1234', port: 80 },
          percent: 40,
        },
      },
    ]);
    expect(checkout?.backendRefs).toEqual(before.spec?.rules?.[1]?.backendRefs);
    expect({ ...after.spec, rules: undefined }).toEqual({ ...before.spec, rules: undefined });
    expect(after.metadata?.annotations).toMatchObject({ owner: 'shop-team', [CHANGED_BY_ANNOTATION]: runId });
    expect(JSON.parse(after.metadata?.annotations?.[PREVIOUS_ANNOTATION] ?? '')).toEqual(snapshotOf(before));
    expect(journal.changes).toEqual([{ action: 'changed', ref: ref('shop'), previous: snapshotOf(before) }]);

    const { failures, restored } = await undoChanges(admin, journal, () => {});
    expect(failures).toEqual([]);
    expect(restored).toEqual(['HTTPRoute "shop"']);
    expect(snapshotOf(await read('shop'))).toEqual(snapshotOf(before));
  });

  it('writes a fractional share as a fraction the CRD accepts', async () => {
    await admin.create(route('fraction'));
    await new GatewayRouter(context(), { kind: 'gateway-api', httpRoute: 'fraction', percent: 0.5 }).mirror(
      dark,
      journal,
    );
    const mirror = (await read('fraction')).spec?.rules?.[1]?.filters?.[2]?.requestMirror;
    expect(mirror).toMatchObject({ fraction: { numerator: 5, denominator: 1000 } });
    expect(mirror).not.toHaveProperty('percent');
    await undoChanges(admin, journal, () => {});
  });

  it('names the http-route input when the HTTPRoute does not exist', async () => {
    const router = new GatewayRouter(context(), { kind: 'gateway-api', httpRoute: 'nope', percent: 10 });
    await expect(router.mirror(dark, journal)).rejects.toThrow(
      'Invalid http-route: there is no HTTPRoute "nope" in namespace "storefront" to mirror traffic from',
    );
    expect(journal.changes).toEqual([]);
  });

  it('refuses a route with no rule for the live Service and leaves it unchanged', async () => {
    await admin.create(route('other'));
    const before = await read('other');
    const router = new GatewayRouter(context({ service: 'payments' }), {
      kind: 'gateway-api',
      httpRoute: 'other',
      percent: 10,
    });
    await expect(
      router.mirror({ ...dark, liveService: { name: 'payments', port: 80 } }, journal),
    ).rejects.toThrow('has no rule whose backendRefs include Service "payments"');
    expect(await read('other')).toEqual(before);
  });

  it('refuses a route another run changed and did not restore', async () => {
    await admin.create(route('taken'));
    await new GatewayRouter(context({ runId: 'dead-run' }), {
      kind: 'gateway-api',
      httpRoute: 'taken',
      percent: 10,
    }).mirror(dark, new SavedJournal({ runId: 'dead-run', namespace, service: 'checkout' }, () => {}));

    const router = new GatewayRouter(context(), { kind: 'gateway-api', httpRoute: 'taken', percent: 10 });
    await expect(router.mirror(dark, journal)).rejects.toThrow('Shadowgate run "dead-run"');
  });

  it('names the verb and resource when the identity may read the route but not update it', async () => {
    await admin.create(route('readonly'));
    const restricted = createKubeApi(
      {
        kind: 'inline',
        yaml: await env.mintKubeconfig(namespace, [
          { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get'] },
        ]),
      },
      () => {},
    );
    const router = new GatewayRouter(context({ api: restricted }), {
      kind: 'gateway-api',
      httpRoute: 'readonly',
      percent: 10,
    });

    const failure = await router.mirror(dark, journal).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ClusterError);
    expect((failure as ClusterError).message).toMatch(
      /^cannot update httproutes\.gateway\.networking\.k8s\.io "readonly" in namespace "storefront": forbidden/,
    );
  });
});
