// The Kubernetes test environment itself: the CRDs validate as in a user's cluster, and RBAC, conflicts and
// server-side apply behave as the product will meet them through @kubernetes/client-node.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeTestEnv, startKubeTestEnv } from '../../support/kube-test-env.js';

const namespace = 'shadowgate-test';
const fieldManager = 'shadowgate';

let env: KubeTestEnv;
let objects: k8s.KubernetesObjectApi;

beforeAll(async () => {
  const started = performance.now();
  env = await startKubeTestEnv();
  console.info(`kube test env started in ${Math.round(performance.now() - started)} ms`);
  objects = k8s.KubernetesObjectApi.makeApiClient(kubeConfig(env.adminKubeconfig));
  await kubeConfig(env.adminKubeconfig)
    .makeApiClient(k8s.CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await env?.stop();
});

function kubeConfig(yaml: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

/** client-node types the result as its input; the server adds metadata such as managedFields. */
function apply<T extends k8s.KubernetesObject>(
  client: k8s.KubernetesObjectApi,
  object: T,
): Promise<T & k8s.KubernetesObject> {
  return client.patch(object, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
}

/** The rejection's HTTP status and the API server's own Status message. */
async function rejection(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof k8s.ApiException) {
      const status = JSON.parse(String(error.body)) as k8s.V1Status;
      return { code: error.code, message: status.message ?? '' };
    }
    throw error;
  }
  throw new Error('expected the API server to refuse the request');
}

const knativeService = {
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace },
  spec: {
    template: {
      metadata: { name: 'hello-00002' },
      spec: { containers: [{ image: 'registry.example/hello:2' }] },
    },
    traffic: [
      { revisionName: 'hello-00001', percent: 100 },
      { revisionName: 'hello-00002', percent: 0, tag: 'dark' },
    ],
  },
};

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'hello-mirror', namespace },
  spec: {
    hosts: ['hello.shadowgate-test.example'],
    http: [
      {
        route: [{ destination: { host: 'hello-00001.shadowgate-test.svc.cluster.local' }, weight: 100 }],
        mirror: { host: 'hello-00002.shadowgate-test.svc.cluster.local' },
        mirrorPercentage: { value: 40 },
      },
    ],
  },
};

function httpRoute(name: string, requestMirror: Record<string, unknown>) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: {
      parentRefs: [{ name: 'gateway' }],
      rules: [
        {
          backendRefs: [{ name: 'hello-00001', port: 80 }],
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'hello-00002', port: 80 }, ...requestMirror },
            },
          ],
        },
      ],
    },
  };
}

describe('server-side apply', () => {
  it('applies a Knative Service with a tagged dark revision', async () => {
    const applied = await apply(objects, knativeService);
    expect(applied.spec.traffic).toEqual(knativeService.spec.traffic);
    expect(applied.metadata.managedFields?.map((entry) => entry.manager)).toEqual([fieldManager]);
  });

  it('applies an Istio VirtualService with mirror and mirrorPercentage', async () => {
    const applied = await apply(objects, virtualService);
    expect(applied.spec.http[0]?.mirrorPercentage).toEqual({ value: 40 });
  });

  it('applies a Gateway API HTTPRoute with a RequestMirror filter, with the CRD defaults filled in', async () => {
    const applied = await apply(objects, httpRoute('hello-mirror', { percent: 40 }));
    const rule = applied.spec.rules[0];
    expect(rule?.filters[0]?.requestMirror).toMatchObject({ percent: 40 });
    expect(rule).toMatchObject({ matches: [{ path: { type: 'PathPrefix', value: '/' } }] });
  });
});

describe('CRD validation', () => {
  it('refuses an HTTPRoute mirror percent above 100 with the schema message', async () => {
    const { code, message } = await rejection(apply(objects, httpRoute('too-much', { percent: 250 })));
    expect(code).toBe(422);
    expect(message).toContain('requestMirror.percent: Invalid value: 250');
    expect(message).toContain('should be less than or equal to 100');
  });

  it('refuses an HTTPRoute mirror with both percent and fraction through the CEL rule', async () => {
    const { code, message } = await rejection(
      apply(objects, httpRoute('both', { percent: 40, fraction: { numerator: 2, denominator: 5 } })),
    );
    expect(code).toBe(422);
    expect(message).toContain('Only one of percent or fraction may be specified in HTTPRequestMirrorFilter');
  });
});

describe('least privilege', () => {
  it('gives 403 for what the Role does not allow', async () => {
    const minted = kubeConfig(
      await env.mintKubeconfig(namespace, [
        { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'list'] },
      ]),
    );
    const restricted = k8s.KubernetesObjectApi.makeApiClient(minted);

    const read = await restricted.read<typeof virtualService>({
      ...virtualService,
      metadata: { name: 'hello-mirror', namespace },
    });
    expect(read.spec.http[0]?.mirrorPercentage).toEqual({ value: 40 });

    const created = await rejection(
      restricted.create(
        { ...virtualService, metadata: { name: 'another', namespace } },
        undefined,
        undefined,
        fieldManager,
      ),
    );
    expect(created.code).toBe(403);
    expect(created.message).toContain(
      'cannot create resource "virtualservices" in API group "networking.istio.io"',
    );

    const knative = await rejection(
      restricted.read({ ...knativeService, metadata: { name: 'hello', namespace } }),
    );
    expect(knative.code).toBe(403);
    expect(knative.message).toContain('cannot get resource "services" in API group "serving.knative.dev"');
  });
});

describe('optimistic concurrency', () => {
  it('gives 409 for an update with a stale resourceVersion', async () => {
    const stale = await objects.read({ ...virtualService, metadata: { name: 'hello-mirror', namespace } });
    await apply(objects, {
      ...virtualService,
      spec: {
        ...virtualService.spec,
        http: [{ ...virtualService.spec.http[0], mirrorPercentage: { value: 10 } }],
      },
    });

    const { code, message } = await rejection(objects.replace(stale));
    expect(code).toBe(409);
    expect(message).toContain('the object has been modified');
  });
});

describe('status subresource', () => {
  it('ignores status on the main resource and accepts it through /status', async () => {
    const custom = kubeConfig(env.adminKubeconfig).makeApiClient(k8s.CustomObjectsApi);
    const status = { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] };
    const target = {
      group: 'serving.knative.dev',
      version: 'v1',
      namespace,
      plural: 'services',
      name: 'hello',
    };

    const current = await objects.read({ ...knativeService, metadata: { name: 'hello', namespace } });
    const replaced = await objects.replace({ ...current, status });
    expect(replaced).not.toHaveProperty('status.conditions');

    const updated = (await custom.patchNamespacedCustomObjectStatus(
      { ...target, body: { status } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as { status: typeof status };
    expect(updated.status).toEqual(status);
  });
});
