import { describe, expect, it } from 'vitest';
import { ACTION_INPUTS } from '../../../src/config/action-inputs.js';
import { buildConfig } from '../../../src/config/build-config.js';
import { configSecrets, inputSecrets, kubeconfigSecrets } from '../../../src/secrets.js';
import { errorOf, filesystem } from './fixture-files.js';

const SHA = 'C0FFEE1234567890abcdef1234567890abcdef12';
const BASE: Readonly<Record<string, string>> = {
  namespace: 'shop',
  service: 'checkout',
  'prometheus-url': 'http://prometheus:9090',
  objectives: 'p95-latency < 100ms\np99-latency <= live + 20%',
};
const KNATIVE = { ...BASE, target: 'knative', image: 'ghcr.io/acme/checkout:pr-42' };
const TOKEN = 'kube-bearer-token-0123456789abcdef';
const CLIENT_KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIfakekey\n-----END EC PRIVATE KEY-----\n';
const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: ci
clusters:
- name: test
  cluster: {server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true}
users:
- name: ci
  user:
    token: ${TOKEN}
    client-key-data: ${Buffer.from(CLIENT_KEY).toString('base64')}
contexts:
- name: ci
  context: {cluster: test, user: ci, namespace: shop}
`;

function build(
  inputs: Readonly<Record<string, string>>,
  options: { files?: Record<string, string>; commitSha?: string | undefined } = {},
) {
  const files = filesystem(options.files ?? {});
  return buildConfig(
    (name) => {
      if (!(name in ACTION_INPUTS)) throw new Error(`read undeclared input ${name}`);
      return inputs[name] ?? '';
    },
    { ...files, ...('commitSha' in options ? { commitSha: options.commitSha } : { commitSha: SHA }) },
  );
}

describe('cluster config: off unless asked for', () => {
  it('leaves cluster undefined with no cluster input or section, and still needs dark-revision', () => {
    const config = build({ ...BASE, objectives: 'p95-latency < 100ms', 'dark-revision': 'checkout-00002' });
    expect(config.cluster).toBeUndefined();
    expect(errorOf(() => build({ ...BASE, objectives: 'p95-latency < 100ms' })).input).toBe('dark-revision');
  });

  it('leaves cluster undefined for an empty cluster section in the file', () => {
    const file = `apiVersion: shadowgate.dev/v1alpha1\nkind: Experiment\ntarget: {darkRevision: checkout-00002}\ncluster: {}\n`;
    const config = build(
      { ...BASE, objectives: 'p95-latency < 100ms', experiment: 'e.yaml' },
      { files: { 'e.yaml': file } },
    );
    expect(config.cluster).toBeUndefined();
  });
});

describe('cluster config: targets', () => {
  it('knative: derives the dark revision from the short sha, discovers live later, applies defaults', () => {
    const config = build(KNATIVE);
    expect(config.plan.target).toEqual({
      namespace: 'shop',
      service: 'checkout',
      darkRevision: 'checkout-c0ffee1',
      liveRevision: undefined,
    });
    expect(config.cluster).toEqual({
      kubeconfig: { kind: 'runner' },
      target: {
        kind: 'knative',
        image: 'ghcr.io/acme/checkout:pr-42',
        suffix: 'c0ffee1',
        env: {},
        annotations: {},
        tag: 'dark',
      },
      router: { kind: 'none' },
      readyTimeoutMs: 300_000,
      leaseWaitMs: 600_000,
      promote: false,
    });
  });

  it('knative: takes suffix, container, env, annotations and an equal dark-revision', () => {
    const config = build({
      ...KNATIVE,
      'revision-suffix': 'pr-42',
      'dark-revision': 'checkout-pr-42',
      container: 'app',
      env: 'LOG_LEVEL=debug\n# comment\nFEATURE_X = on=1\n',
      annotations: 'autoscaling.knative.dev/max-scale: 3\nteam: payments',
      promote: 'true',
      'ready-timeout': '90s',
      'lease-timeout': '0',
    });
    expect(config.plan.target.darkRevision).toBe('checkout-pr-42');
    expect(config.cluster).toMatchObject({
      target: {
        kind: 'knative',
        suffix: 'pr-42',
        container: 'app',
        env: { LOG_LEVEL: 'debug', FEATURE_X: 'on=1' },
        annotations: { 'autoscaling.knative.dev/max-scale': '3', team: 'payments' },
      },
      readyTimeoutMs: 90_000,
      leaseWaitMs: 0,
      promote: true,
    });
  });

  it('deployment: copies the Deployment named like the service unless told, named <deployment>-<suffix>', () => {
    const byService = build({ ...KNATIVE, target: 'deployment' });
    expect(byService.cluster?.target).toEqual({
      kind: 'deployment',
      image: 'ghcr.io/acme/checkout:pr-42',
      suffix: 'c0ffee1',
      env: {},
      deployment: 'checkout',
    });
    expect(byService.plan.target.darkRevision).toBe('checkout-c0ffee1');
    const named = build({ ...KNATIVE, target: 'deployment', deployment: 'checkout-v1', env: 'A: "1"' });
    expect(named.plan.target.darkRevision).toBe('checkout-v1-c0ffee1');
    expect(named.cluster?.target).toMatchObject({ deployment: 'checkout-v1', env: { A: '1' } });
  });

  it('existing: dark-revision and live-revision are both required, as the router needs both', () => {
    const existing = { ...BASE, objectives: 'p95-latency < 100ms', target: 'existing', router: 'istio' };
    expect(errorOf(() => build({ ...existing, 'live-revision': 'checkout-00001' })).input).toBe(
      'dark-revision',
    );
    const noLive = errorOf(() => build({ ...existing, 'dark-revision': 'checkout-00002' }));
    expect(noLive.input).toBe('live-revision');
    expect(noLive.message).toMatch(
      /target existing .* live-revision is required\n {2}Example: checkout-00001/,
    );
    const config = build({
      ...existing,
      'dark-revision': 'checkout-00002',
      'live-revision': 'checkout-00001',
    });
    expect(config.cluster?.target).toEqual({ kind: 'existing' });
    expect(config.cluster?.router).toEqual({ kind: 'istio', mode: 'patch', percent: 100 });
  });

  it('turns the cluster side on with any cluster input, e.g. only a router', () => {
    const config = build({ ...BASE, 'dark-revision': 'd-1', 'live-revision': 'l-1', router: 'istio' });
    expect(config.cluster?.target).toEqual({ kind: 'existing' });
  });
});

describe('cluster config: routers', () => {
  it('istio with its mode, VirtualService and percent', () => {
    const config = build({
      ...KNATIVE,
      router: 'istio',
      'istio-mode': 'dedicated',
      'virtual-service': 'checkout-vs',
      'mirror-percent': '12.5%',
    });
    expect(config.cluster?.router).toEqual({
      kind: 'istio',
      mode: 'dedicated',
      virtualService: 'checkout-vs',
      percent: 12.5,
    });
  });

  it('gateway-api with its HTTPRoute', () => {
    const config = build({
      ...KNATIVE,
      router: 'gateway-api',
      'http-route': 'checkout',
      'mirror-percent': '40',
    });
    expect(config.cluster?.router).toEqual({ kind: 'gateway-api', httpRoute: 'checkout', percent: 40 });
  });
});

describe('cluster config: the experiment file', () => {
  const FILE = `apiVersion: shadowgate.dev/v1alpha1
kind: Experiment
target: {namespace: shop, service: checkout}
prometheus: {url: 'http://prometheus:9090'}
objectives: [p95-latency < 100ms]
cluster:
  target: knative
  image: ghcr.io/acme/checkout:pr-7
  revisionSuffix: pr-7
  env: {LOG_LEVEL: debug, RETRIES: 3}
  annotations: {autoscaling.knative.dev/max-scale: '3'}
  router: gateway-api
  httpRoute: checkout
  mirrorPercent: 50
  readyTimeout: 2m
  leaseTimeout: 30s
  promote: true
`;

  it('reads the cluster section', () => {
    const config = build({ experiment: 'e.yaml' }, { files: { 'e.yaml': FILE } });
    expect(config.plan.target.darkRevision).toBe('checkout-pr-7');
    expect(config.cluster).toEqual({
      kubeconfig: { kind: 'runner' },
      target: {
        kind: 'knative',
        image: 'ghcr.io/acme/checkout:pr-7',
        suffix: 'pr-7',
        env: { LOG_LEVEL: 'debug', RETRIES: '3' },
        annotations: { 'autoscaling.knative.dev/max-scale': '3' },
        tag: 'dark',
      },
      router: { kind: 'gateway-api', httpRoute: 'checkout', percent: 50 },
      readyTimeoutMs: 120_000,
      leaseWaitMs: 30_000,
      promote: true,
    });
  });

  it('lets inputs override the file: image from the build, suffix from the sha', () => {
    const config = build(
      {
        experiment: 'e.yaml',
        image: 'ghcr.io/acme/checkout@sha256:'.concat('a'.repeat(64)),
        'revision-suffix': 'c0ffee1',
      },
      { files: { 'e.yaml': FILE } },
    );
    expect(config.cluster?.target).toMatchObject({
      image: expect.stringContaining('@sha256:'),
      suffix: 'c0ffee1',
    });
    expect(config.notes).toContain("input image overrides the experiment file's value");
  });

  it('refuses a kubeconfig in the file: credentials belong in a secret', () => {
    const error = errorOf(() =>
      build({ experiment: 'e.yaml' }, { files: { 'e.yaml': `${FILE}  kubeconfig: x\n` } }),
    );
    expect(error.input).toBe('experiment: cluster.kubeconfig');
    expect(error.message).toContain('unknown key "kubeconfig"');
  });
});

describe('cluster config: kubeconfig', () => {
  it('accepts the YAML itself or base64 of it, keeping the YAML', () => {
    const raw = build({ ...KNATIVE, kubeconfig: KUBECONFIG });
    const encoded = build({ ...KNATIVE, kubeconfig: Buffer.from(KUBECONFIG).toString('base64') });
    expect(raw.cluster?.kubeconfig).toEqual({ kind: 'inline', yaml: KUBECONFIG.trim() });
    expect(encoded.cluster?.kubeconfig).toEqual({ kind: 'inline', yaml: KUBECONFIG });
  });

  it.each([
    ['not YAML', `token: ${TOKEN}\n  : [`],
    ['YAML without clusters', `users: [{name: x, user: {token: ${TOKEN}}}]`],
    ['base64 of something else', Buffer.from(`password: ${TOKEN}`).toString('base64')],
  ])('rejects %s without showing the value', (_, kubeconfig) => {
    const error = errorOf(() => build({ ...KNATIVE, kubeconfig }));
    expect(error.input).toBe('kubeconfig');
    expect(error.message).toMatch(/expected a kubeconfig .* not shown/);
    expect(error.message).not.toContain(TOKEN);
  });

  it('rejects a kubeconfig without current-context', () => {
    const error = errorOf(() =>
      build({ ...KNATIVE, kubeconfig: KUBECONFIG.replace('current-context: ci\n', '') }),
    );
    expect(error.message).toContain('no current-context');
    expect(error.message).not.toContain(TOKEN);
  });

  it('masks the base64 form and each credential, not the whole YAML (the runner would mask it line by line)', () => {
    const base64 = Buffer.from(KUBECONFIG).toString('base64');
    const keyData = Buffer.from(CLIENT_KEY).toString('base64');
    expect(kubeconfigSecrets(base64)).toEqual([base64, TOKEN, keyData, CLIENT_KEY]);
    expect(kubeconfigSecrets(KUBECONFIG)).toEqual([TOKEN, keyData, CLIENT_KEY]);
    expect(inputSecrets((name) => (name === 'kubeconfig' ? base64 : ''))).toEqual(kubeconfigSecrets(base64));
    const config = build({ ...KNATIVE, kubeconfig: base64 });
    expect(configSecrets(config)).toEqual(expect.arrayContaining([TOKEN, CLIENT_KEY]));
    expect(configSecrets(config)).not.toContain(KUBECONFIG.trim());
    expect(kubeconfigSecrets('')).toEqual([]);
  });
});

describe('cluster config: cross-field errors name the input and show an example', () => {
  it.each([
    [
      { ...BASE, target: 'knative' },
      'image',
      /target knative deploys a candidate image.*\n {2}Example: ghcr\.io/,
    ],
    [{ ...BASE, target: 'deployment' }, 'image', /target deployment deploys a candidate image/],
    [
      { ...KNATIVE, 'dark-revision': 'checkout-00002' },
      'dark-revision',
      /names the dark version "checkout-c0ffee1".*\n {2}Example: checkout-c0ffee1/,
    ],
    [
      { ...BASE, 'dark-revision': 'd-1', 'live-revision': 'l-1', promote: 'true' },
      'promote',
      /set target knative or deployment/,
    ],
    [{ ...KNATIVE, router: 'gateway-api' }, 'http-route', /http-route .* is required\n {2}Example: checkout/],
    [{ ...KNATIVE, 'revision-suffix': 'x'.repeat(60) }, 'revision-suffix', /at most 63 characters/],
    [
      { ...KNATIVE, target: 'deployment', 'revision-suffix': 'x'.repeat(60) },
      'revision-suffix',
      /at most 63 characters/,
    ],
    [{ ...KNATIVE, service: '9checkout' }, 'revision-suffix', /a letter first/],
    [{ ...KNATIVE, target: 'deployment', deployment: 'checkout.v1' }, 'revision-suffix', /DNS-1035/],
    [{ ...KNATIVE, 'revision-suffix': 'PR_42' }, 'revision-suffix', /RFC 1123/],
    [
      { ...KNATIVE, annotations: 'a=b', target: 'deployment' },
      'annotations',
      /applies only to target knative, and the target is deployment/,
    ],
    [{ ...KNATIVE, deployment: 'checkout' }, 'deployment', /applies only to target deployment/],
    [
      { ...BASE, 'dark-revision': 'd-1', 'live-revision': 'l-1', image: 'nginx' },
      'image',
      /applies only to target knative or deployment, and the target is existing/,
    ],
    [
      { ...KNATIVE, router: 'istio', 'http-route': 'checkout' },
      'http-route',
      /applies only to router gateway-api/,
    ],
    [
      { ...KNATIVE, 'mirror-percent': '50' },
      'mirror-percent',
      /applies only to router istio or gateway-api, and the router is none/,
    ],
    [{ ...KNATIVE, 'istio-mode': 'patch' }, 'istio-mode', /applies only to router istio/],
    [{ ...KNATIVE, router: 'istio', 'mirror-percent': '0' }, 'mirror-percent', /above 0 and at most 100/],
    [{ ...KNATIVE, router: 'istio', 'mirror-percent': '100.5' }, 'mirror-percent', /above 0 and at most 100/],
    [{ ...KNATIVE, router: 'istio', 'mirror-percent': 'half' }, 'mirror-percent', /above 0/],
    [{ ...KNATIVE, router: 'linkerd' }, 'router', /not one of istio, gateway-api, none/],
    [{ ...KNATIVE, target: 'argo' }, 'target', /not one of knative, deployment, existing/],
    [{ ...KNATIVE, image: 'ghcr.io/Acme/checkout:pr-42' }, 'image', /not an image reference/],
    [{ ...KNATIVE, image: 'checkout pr-42' }, 'image', /not an image reference/],
    [{ ...KNATIVE, env: 'LOG LEVEL=debug' }, 'env', /KEY=value. lines or a YAML mapping/],
    [{ ...KNATIVE, env: '1=x\n=y' }, 'env', /KEY=value/],
    [{ ...KNATIVE, env: 'A: {b: c}' }, 'env', /the value of A must be text/],
    [{ ...KNATIVE, annotations: 'bad key!=x' }, 'annotations', /KEY=value/],
    [{ ...KNATIVE, annotations: '"-bad": x' }, 'annotations', /"-bad" is not a valid annotation key/],
    [{ ...KNATIVE, 'ready-timeout': '0s' }, 'ready-timeout', /at least 1s/],
    [{ ...KNATIVE, promote: 'sure' }, 'promote', /not a boolean/],
    [{ ...KNATIVE, 'virtual-service': 'Bad_Name', router: 'istio' }, 'virtual-service', /RFC 1123 subdomain/],
  ])('%j → %s', (inputs, input, message) => {
    const error = errorOf(() => build(inputs as Record<string, string>));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('Example: ');
  });

  it('needs the commit sha or a revision-suffix for a deploying target', () => {
    const error = errorOf(() => build(KNATIVE, { commitSha: undefined }));
    expect(error.input).toBe('revision-suffix');
    expect(error.message).toContain('GITHUB_SHA');
    expect(
      build({ ...KNATIVE, 'revision-suffix': 'local' }, { commitSha: undefined }).plan.target.darkRevision,
    ).toBe('checkout-local');
  });

  it('accepts the common image reference forms', () => {
    for (const image of [
      'nginx',
      'nginx:1.27-alpine',
      'localhost:5000/acme/checkout:PR_42',
      'registry.example.com:443/a/b/c@sha256:'.concat('0'.repeat(64)),
      'ghcr.io/acme/check-out__x.y:v1.2.3',
    ]) {
      expect(build({ ...KNATIVE, image }).cluster?.target).toMatchObject({ image });
    }
  });
});
