import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DarkDeploymentInput,
  darkDeploymentName,
  deriveDarkDeployment,
  selects,
  withEnv,
} from '../../../src/cluster/dark-deployment.js';
import { ownershipLabels } from '../../../src/cluster/ownership.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';

const live: V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'checkout',
    namespace: 'shop',
    labels: { app: 'checkout', 'app.kubernetes.io/instance': 'shop' },
    annotations: { 'deployment.kubernetes.io/revision': '7' },
    resourceVersion: '42',
    uid: 'u-1',
  },
  spec: {
    replicas: 5,
    paused: true,
    progressDeadlineSeconds: 120,
    selector: { matchLabels: { app: 'checkout' } },
    template: {
      metadata: {
        labels: { app: 'checkout', version: 'v1', tier: 'web' },
        annotations: { 'prometheus.io/scrape': 'true' },
      },
      spec: {
        serviceAccountName: 'checkout',
        containers: [
          {
            name: 'app',
            image: 'ghcr.io/acme/checkout:1.0',
            env: [
              { name: 'MODE', value: 'live' },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 'value' } } },
            ],
            ports: [{ containerPort: 8080 }],
          },
          { name: 'proxy', image: 'envoyproxy/envoy:v1.36' },
        ],
      },
    },
  },
  status: { replicas: 5, availableReplicas: 5 },
};

const liveService: V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'checkout', namespace: 'shop' },
  spec: {
    clusterIP: '10.0.0.7',
    type: 'NodePort',
    selector: { app: 'checkout', tier: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }],
  },
};

const input: DarkDeploymentInput = {
  live,
  liveService,
  image: 'ghcr.io/acme/checkout:pr-42',
  suffix: 'abc1234',
  env: { MODE: 'dark', TOKEN: 'fake', EXTRA: '1' },
  service: 'checkout',
  runId: '1234-1',
};

describe('deriveDarkDeployment', () => {
  const { deployment, service } = deriveDarkDeployment(input);
  const podLabels = deployment.spec?.template.metadata?.labels ?? {};

  it('names both objects <deployment>-<suffix> in the live namespace, owned by the run', () => {
    for (const object of [deployment, service]) {
      expect(object.metadata?.name).toBe('checkout-abc1234');
      expect(object.metadata?.namespace).toBe('shop');
      expect(object.metadata?.labels).toMatchObject(ownershipLabels('checkout', '1234-1'));
    }
    expect(deployment.metadata).not.toHaveProperty('resourceVersion');
    expect(deployment.metadata?.labels).not.toHaveProperty(['app.kubernetes.io/instance']);
    expect(deployment).not.toHaveProperty('status');
  });

  it('runs one unpaused replica of the candidate image in the first container', () => {
    expect(deployment.spec?.replicas).toBe(1);
    expect(deployment.spec?.paused).toBeUndefined();
    expect(deployment.spec?.progressDeadlineSeconds).toBe(120);
    const [app, proxy] = deployment.spec?.template.spec?.containers ?? [];
    expect(app?.image).toBe('ghcr.io/acme/checkout:pr-42');
    expect(app?.ports).toEqual([{ containerPort: 8080 }]);
    expect(proxy?.image).toBe('envoyproxy/envoy:v1.36');
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('checkout');
  });

  it('overrides env in place and appends new variables', () => {
    expect(deployment.spec?.template.spec?.containers[0]?.env).toEqual([
      { name: 'MODE', value: 'dark' },
      { name: 'TOKEN', value: 'fake' },
      { name: 'EXTRA', value: '1' },
    ]);
  });

  it('leaves the live Deployment untouched', () => {
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('ghcr.io/acme/checkout:1.0');
    expect(live.spec?.template.metadata?.labels).toEqual({ app: 'checkout', version: 'v1', tier: 'web' });
    expect(live.spec?.replicas).toBe(5);
  });

  it('gives the pods distinct version labels and selector values neither live selector matches', () => {
    expect(podLabels).toEqual({
      app: 'checkout-abc1234',
      tier: 'web-abc1234',
      version: 'abc1234',
      'app.kubernetes.io/version': 'abc1234',
    });
    expect(selects({ matchLabels: liveService.spec?.selector }, podLabels)).toBe(false);
    expect(selects(live.spec?.selector ?? {}, podLabels)).toBe(false);
    expect(deployment.spec?.template.metadata?.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
  });

  it('selects exactly its own pods, from the dark Deployment and from the dark Service', () => {
    expect(selects(deployment.spec?.selector ?? {}, podLabels)).toBe(true);
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    const livePods = live.spec?.template.metadata?.labels ?? {};
    expect(selects(deployment.spec?.selector ?? {}, livePods)).toBe(false);
  });

  it('copies the live ports into a plain ClusterIP Service', () => {
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: deployment.spec?.selector.matchLabels,
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    });
  });

  it('changes the named container when one is given', () => {
    const dark = deriveDarkDeployment({ ...input, container: 'proxy', env: {} });
    const [app, proxy] = dark.deployment.spec?.template.spec?.containers ?? [];
    expect(app?.image).toBe('ghcr.io/acme/checkout:1.0');
    expect(proxy?.image).toBe('ghcr.io/acme/checkout:pr-42');
  });

  it('names the containers when the named one does not exist', () => {
    expect(() => deriveDarkDeployment({ ...input, container: 'api' })).toThrow(
      'Invalid container: Deployment "checkout" has no container named "api"; its containers are "app", "proxy"',
    );
  });

  it('refuses when only match expressions, which it does not rewrite, select the live pods', () => {
    const byExpression: V1Deployment = {
      ...live,
      spec: {
        ...(live.spec as NonNullable<V1Deployment['spec']>),
        selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      },
    };
    expect(() =>
      deriveDarkDeployment({ ...input, live: byExpression, liveService: { ...liveService, spec: {} } }),
    ).toThrow('would still be selected by the live Deployment "checkout"');
  });

  it('keeps rewritten label values valid when the live value is long', () => {
    const long = 'a'.repeat(60);
    const dark = deriveDarkDeployment({
      ...input,
      liveService: { ...liveService, spec: { ...liveService.spec, selector: { app: long } } },
      live: {
        ...live,
        spec: {
          ...(live.spec as NonNullable<V1Deployment['spec']>),
          selector: { matchLabels: { app: long } },
          template: { ...live.spec?.template, metadata: { labels: { app: long } } },
        },
      },
    });
    const value = dark.deployment.spec?.template.metadata?.labels?.app ?? '';
    expect(value).toHaveLength(63);
    expect(value.endsWith('-abc1234')).toBe(true);
  });
});

describe('darkDeploymentName', () => {
  it('refuses a name the Service could not take, naming the revision-suffix input', () => {
    expect(() => darkDeploymentName('checkout', 'PR_42')).toThrow(ConfigurationError);
    expect(() => darkDeploymentName('checkout', 'x'.repeat(60))).toThrow(
      /Invalid revision-suffix: .*at most 63/,
    );
    expect(darkDeploymentName('checkout', 'pr-42')).toBe('checkout-pr-42');
  });
});

describe('withEnv', () => {
  it('keeps order, replaces by name and appends the rest', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,3}$/), { maxLength: 6 }),
        fc.dictionary(fc.stringMatching(/^[A-Z]{1,3}$/), fc.string()),
        (names, overrides) => {
          const env = names.map((name) => ({ name, value: 'live' }));
          const result = withEnv(env, overrides);
          expect(result.slice(0, names.length).map((variable) => variable.name)).toEqual(names);
          expect(new Set(result.map((variable) => variable.name)).size).toBe(result.length);
          for (const variable of result) {
            expect(variable.value).toBe(
              Object.hasOwn(overrides, variable.name) ? overrides[variable.name] : 'live',
            );
          }
        },
      ),
    );
  });
});

describe('selects', () => {
  it('follows Kubernetes selector semantics', () => {
    const labels = { app: 'a', tier: 'web' };
    expect(selects({}, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'a' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'b' } }, labels)).toBe(false);
    expect(
      selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, labels),
    ).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(
      false,
    );
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(
      true,
    );
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
  });
});
