import { describe, expect, it } from 'vitest';
import { ACTION_INPUTS, INPUT_DEFAULTS } from '../../../src/config/action-inputs.js';
import { buildConfig } from '../../../src/config/build-config.js';
import type { ConfigDependencies } from '../../../src/config/config-dependencies.js';
import { CA_PEM, errorOf, filesystem, fixture } from './fixture-files.js';

const MINIMAL: Readonly<Record<string, string>> = {
  namespace: 'shop',
  service: 'checkout',
  'dark-revision': 'checkout-00002',
  'prometheus-url': 'http://prometheus:9090',
  objectives: 'p95-latency < 100ms',
};

const FILES = filesystem({
  'istio.yaml': fixture('experiment-istio.yaml'),
  'custom.yaml': fixture('experiment-custom.yaml'),
  'iter8.yaml': fixture('iter8-mirroring-experiment.yaml'),
  'certs/mimir-ca.pem': CA_PEM,
  'ca.pem': CA_PEM,
});

function build(inputs: Readonly<Record<string, string>>, deps: ConfigDependencies = FILES) {
  return buildConfig((name) => {
    if (!(name in ACTION_INPUTS)) throw new Error(`read undeclared input ${name}`);
    return inputs[name] ?? '';
  }, deps);
}

describe('action inputs', () => {
  it('are exactly the documented names', () => {
    expect(Object.keys(ACTION_INPUTS).sort()).toEqual(
      [
        'experiment',
        'name',
        'namespace',
        'service',
        'dark-revision',
        'live-revision',
        'prometheus-url',
        'prometheus-token',
        'prometheus-username',
        'prometheus-password',
        'prometheus-headers',
        'prometheus-auth',
        'aws-region',
        'aws-role-arn',
        'prometheus-ca',
        'prometheus-insecure-skip-tls-verify',
        'prometheus-timeout',
        'prometheus-attempts',
        'metric-template',
        'queries',
        'objectives',
        'interval',
        'iterations',
        'min-requests',
        'confidence',
        'fail-fast',
        'fail-fast-after',
        'early-pass',
        'min-iterations',
        'min-duration',
        'on-inconclusive',
        'github-token',
        'comment',
        'comment-author',
        'kubeconfig',
        'target',
        'image',
        'revision-suffix',
        'deployment',
        'container',
        'env',
        'annotations',
        'router',
        'istio-mode',
        'virtual-service',
        'http-route',
        'mirror-percent',
        'ready-timeout',
        'lease-timeout',
        'promote',
        // Shadowgate's own traffic (traffic-fields.ts).
        'metrics',
        'live-url',
        'live-command',
        'dark-url',
        'dark-command',
        'live-replica-url',
        'live-replica-command',
        'start-timeout',
        'request-timeout',
        'mirror',
        'mirror-unsafe-methods',
        'mirror-port',
        'load-rate',
        'load-concurrency',
        'load-url',
        'load-target',
        'load-service',
        'load-job-image',
        'load-method',
        'load-headers',
        'load-body',
        'load-requests',
        'compare',
        'compare-ignore',
        'compare-max-body',
        'compare-bodies',
        'compare-secrets',
        'load-replay',
        'load-replay-format',
        'load-replay-unsafe-methods',
      ].sort(),
    );
    expect(ACTION_INPUTS['github-token']?.actionDefault).toBe(`\${{ github.token }}`);
  });

  it('have the documented defaults', () => {
    expect(INPUT_DEFAULTS).toEqual({
      'prometheus-insecure-skip-tls-verify': 'false',
      'prometheus-timeout': '10s',
      'prometheus-attempts': '4',
      'metric-template': 'istio',
      interval: '10s',
      iterations: '10',
      'min-requests': '10',
      confidence: '95%',
      'fail-fast': 'true',
      'fail-fast-after': '2',
      'early-pass': 'true',
      'min-iterations': '1',
      'min-duration': '0s',
      'on-inconclusive': 'fail',
      comment: 'always',
      target: 'existing',
      router: 'none',
      'istio-mode': 'patch',
      'mirror-percent': '100',
      'ready-timeout': '5m',
      'lease-timeout': '10m',
      promote: 'false',
      metrics: 'prometheus',
      'start-timeout': '30s',
      'request-timeout': '10s',
      'mirror-unsafe-methods': 'false',
      'mirror-port': '0',
      'load-concurrency': '64',
      'load-target': 'url',
      'load-method': 'GET',
      'compare-max-body': '1Mi',
      'compare-bodies': 'bytes',
      'load-replay-format': 'auto',
      'load-replay-unsafe-methods': 'false',
    });
  });
});

describe('buildConfig from inputs only', () => {
  it('applies the defaults', () => {
    expect(build(MINIMAL)).toEqual({
      plan: {
        name: 'checkout',
        target: {
          namespace: 'shop',
          service: 'checkout',
          darkRevision: 'checkout-00002',
          liveRevision: undefined,
        },
        objectives: [
          {
            text: 'p95-latency < 100ms',
            metric: { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' },
            comparator: '<',
            limit: { kind: 'absolute', value: 100 },
          },
        ],
        intervalMs: 10_000,
        iterations: 10,
        minRequests: 10,
        failFast: { enabled: true, consecutiveBreaches: 2 },
        decision: {
          mode: 'confidence',
          confidence: 0.95,
          earlyPass: true,
          minIterations: 1,
          minDurationMs: 0,
        },
      },
      metrics: 'prometheus',
      prometheus: {
        url: 'http://prometheus:9090',
        auth: { bearerToken: undefined, basic: undefined, headers: {} },
        tls: { caBundle: undefined, insecureSkipVerify: false },
        template: 'istio',
        queries: {},
        timeoutMs: 10_000,
        attempts: 4,
      },
      reporting: { comment: 'always', onInconclusive: 'fail', githubToken: undefined },
      notes: [],
    });
  });

  it('reads every input', () => {
    const config = build({
      ...MINIMAL,
      name: 'gate',
      'live-revision': 'checkout-00001',
      'prometheus-url': 'https://prom.example.com/api/v1/',
      'prometheus-username': 'u',
      'prometheus-password': 'p',
      'prometheus-headers': 'X-Scope-OrgID: team-a\nX-Extra:  a: b \n',
      'prometheus-ca': 'ca.pem',
      'prometheus-insecure-skip-tls-verify': 'No',
      'prometheus-timeout': '2s',
      'prometheus-attempts': '1',
      'metric-template': 'Knative',
      queries: 'latency-p95: histogram_quantile(0.95, x)\nqueue-depth: max(q)',
      objectives: 'p95-latency < 100ms\nqueue-depth < 5\nerror-rate <= live + 0.5pp',
      interval: '1m',
      iterations: '3',
      'min-requests': '1',
      'fail-fast': 'YES',
      'fail-fast-after': '1',
      'on-inconclusive': 'pass',
      'github-token': 'ghs_x',
      comment: 'never',
    });
    expect(config.plan).toMatchObject({
      name: 'gate',
      target: { liveRevision: 'checkout-00001' },
      intervalMs: 60_000,
      iterations: 3,
      minRequests: 1,
      failFast: { enabled: true, consecutiveBreaches: 1 },
    });
    expect(config.plan.objectives.map((objective) => objective.text)).toEqual([
      'p95-latency < 100ms',
      'queue-depth < 5',
      'error-rate <= live + 0.5pp',
    ]);
    expect(config.prometheus).toEqual({
      url: 'https://prom.example.com',
      auth: {
        bearerToken: undefined,
        basic: { username: 'u', password: 'p' },
        headers: { 'X-Scope-OrgID': 'team-a', 'X-Extra': 'a: b' },
      },
      tls: { caBundle: CA_PEM, insecureSkipVerify: false },
      template: 'knative',
      queries: { 'p95-latency': 'histogram_quantile(0.95, x)', 'queue-depth': 'max(q)' },
      timeoutMs: 2000,
      attempts: 1,
    });
    expect(config.reporting).toEqual({ comment: 'never', onInconclusive: 'pass', githubToken: 'ghs_x' });
  });

  it('signs with SigV4 for Amazon Managed Service for Prometheus, with or without a role to assume', () => {
    const amp = {
      ...MINIMAL,
      'prometheus-url': 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
      'prometheus-auth': 'SigV4',
      'aws-region': 'eu-west-1',
    };
    expect(build(amp).prometheus?.auth.sigv4).toEqual({ region: 'eu-west-1' });
    const role = 'arn:aws:iam::123456789012:role/ci/shadowgate-amp-query';
    expect(build({ ...amp, 'aws-role-arn': role }).prometheus?.auth.sigv4).toEqual({
      region: 'eu-west-1',
      roleArn: role,
    });
  });

  it("suggests the workspace URL's region when aws-region is missing", () => {
    const error = errorOf(() =>
      build({
        ...MINIMAL,
        'prometheus-url': 'https://aps-workspaces.ap-southeast-2.amazonaws.com/workspaces/ws-1',
        'prometheus-auth': 'sigv4',
      }),
    );
    expect(error.message).toMatch(/\n {2}Example: ap-southeast-2$/);
  });

  it('takes prometheus-ca as PEM text too', () => {
    expect(build({ ...MINIMAL, 'prometheus-ca': CA_PEM }).prometheus?.tls.caBundle).toBe(CA_PEM);
  });

  it('accepts a YAML list of objectives in the input', () => {
    const objectives = "- p95-latency < 100ms\n- {metric: error-rate, op: '<', limit: 2%}";
    expect(build({ ...MINIMAL, objectives }).plan.objectives.map((objective) => objective.text)).toEqual([
      'p95-latency < 100ms',
      'error-rate < 2%',
    ]);
  });
});

/** The istio.yaml fixture sets failFastAfter, which only the point rule uses. */
const FAIL_FAST_AFTER_UNUSED =
  'fail-fast-after is not used: with confidence bounds one confidently shown breach stops the run (confidence: off restores the rule)';

describe('buildConfig with an experiment file', () => {
  it('reads our file with no other input', () => {
    const config = build({ experiment: 'istio.yaml' });
    expect(config.plan.name).toBe('checkout-dark');
    expect(config.plan.objectives.map((objective) => objective.text)).toEqual([
      'p95-latency < 100ms',
      'error-rate < 1%',
      'p99-latency <= live + 20%',
      'mean-latency <= 50ms',
    ]);
    expect(config.reporting.comment).toBe('on-failure');
    expect(config.notes).toEqual([FAIL_FAST_AFTER_UNUSED]);
  });

  it('lets a non-empty input override the file, and notes it', () => {
    const config = build({
      experiment: 'istio.yaml',
      'dark-revision': 'checkout-00003',
      iterations: '5',
      comment: '',
      objectives: 'mean-latency < 20ms',
    });
    expect(config.plan.target.darkRevision).toBe('checkout-00003');
    expect(config.plan.iterations).toBe(5);
    expect(config.reporting.comment).toBe('on-failure');
    expect(config.plan.objectives.map((objective) => objective.text)).toEqual(['mean-latency < 20ms']);
    expect(config.notes).toEqual([
      "input dark-revision overrides the experiment file's value",
      "input objectives overrides the experiment file's value",
      "input iterations overrides the experiment file's value",
      FAIL_FAST_AFTER_UNUSED,
    ]);
  });

  it('merges query and header maps key by key', () => {
    const config = build({
      experiment: 'custom.yaml',
      queries: 'error-rate: my_error_ratio',
      'prometheus-headers': 'X-Scope-OrgID: team-b',
    });
    expect(config.prometheus?.queries).toMatchObject({
      'error-rate': 'my_error_ratio',
      'queue-depth': expect.any(String),
    });
    expect(config.prometheus?.auth.headers).toEqual({ 'X-Scope-OrgID': 'team-b' });
  });

  it('reads the custom sample with its custom metric', () => {
    const config = build({ experiment: 'custom.yaml' });
    expect(config.prometheus?.template).toBe('custom');
    expect(config.plan.objectives.map((objective) => objective.metric.kind)).toEqual([
      'error-rate',
      'latency-percentile',
      'custom',
    ]);
    expect(config.prometheus?.tls.caBundle).toBe(CA_PEM);
  });

  it('imports the Iter8 tutorial file, taking the Prometheus URL from the input', () => {
    const config = build({
      experiment: 'iter8.yaml',
      'prometheus-url': 'http://prometheus-operated.iter8-system:9090',
    });
    expect(config.plan).toMatchObject({
      name: 'mirroring',
      target: { namespace: 'default', service: 'sample-app', darkRevision: 'sample-app-v2' },
      intervalMs: 10_000,
      iterations: 10,
    });
    expect(config.plan.objectives.map((objective) => objective.text)).toEqual([
      'mean-latency <= 50ms',
      'p95-latency <= 100ms',
      'non-2xx-rate <= 1%',
    ]);
    expect(config.plan.objectives[2]?.metric).toMatchObject({ kind: 'error-rate', errors: 'non-2xx' });
    expect(config.prometheus?.template).toBe('knative-legacy');
    expect(config.notes).toContain('Iter8: spec.duration.intervalSeconds 10 → interval 10s');
  });

  it('names the experiment input when the file cannot be read', () => {
    const error = errorOf(() => build({ experiment: 'missing.yaml' }));
    expect(error.input).toBe('experiment');
    expect(error.message).toContain('cannot read missing.yaml: ENOENT');
  });
});

describe('buildConfig validation', () => {
  it.each([
    [
      { namespace: '' },
      'namespace',
      /missing; set the namespace input \(CLI: --namespace\) or target.namespace in the experiment file/,
    ],
    [{ service: '' }, 'service', /missing/],
    [{ 'dark-revision': '' }, 'dark-revision', /missing/],
    [{ 'prometheus-url': '' }, 'prometheus-url', /missing/],
    [{ objectives: '' }, 'objectives', /at least one objective/],
    [{ objectives: '# nothing yet' }, 'objectives', /at least one objective/],
    [{ namespace: 'My_NS' }, 'namespace', /Kubernetes accepts only lower-case/],
    [{ service: 'a'.repeat(64) }, 'service', /at most 63 characters/],
    [{ 'dark-revision': '-x' }, 'dark-revision', /RFC 1123/],
    [{ 'live-revision': 'checkout-00002' }, 'live-revision', /must differ from dark-revision/],
    [{ name: 'a--b' }, 'name', /single "-"/],
    [{ 'prometheus-url': 'prometheus:9090' }, 'prometheus-url', /not an http\(s\) URL/],
    [{ 'prometheus-url': 'http://u:p@prom:9090' }, 'prometheus-url', /credentials in the URL/],
    [{ 'prometheus-headers': 'X-Scope-OrgID team-a' }, 'prometheus-headers', /Name: value/],
    [{ 'prometheus-auth': 'sigv4' }, 'aws-region', /sigv4 needs the region/],
    [{ 'prometheus-auth': 'aws' }, 'prometheus-auth', /is not one of sigv4/],
    [{ 'prometheus-auth': 'sigv4', 'aws-region': 'US East' }, 'aws-region', /not an AWS region/],
    [
      { 'prometheus-auth': 'sigv4', 'aws-region': 'us-east-1', 'aws-role-arn': 'shadowgate-role' },
      'aws-role-arn',
      /not the ARN of an IAM role/,
    ],
    [{ 'aws-region': 'us-east-1' }, 'aws-region', /set prometheus-auth: sigv4 as well/],
    [
      { 'prometheus-auth': 'sigv4', 'aws-region': 'us-east-1', 'prometheus-token': 't' },
      'prometheus-auth',
      /cannot be combined with prometheus-token/,
    ],
    [
      {
        'prometheus-auth': 'sigv4',
        'aws-region': 'us-east-1',
        'prometheus-url': 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
      },
      'aws-region',
      /differs from the region of prometheus-url \(eu-west-1\)/,
    ],
    [{ 'prometheus-headers': 'Bad Name: x' }, 'prometheus-headers', /not a valid header name/],
    [{ 'prometheus-ca': 'missing.pem' }, 'prometheus-ca', /cannot read missing\.pem/],
    [{ 'prometheus-ca': '-----BEGIN CERTIFICATE-----' }, 'prometheus-ca', /expected PEM text/],
    [
      { 'prometheus-insecure-skip-tls-verify': 'maybe' },
      'prometheus-insecure-skip-tls-verify',
      /not a boolean/,
    ],
    [{ 'fail-fast': 'on' }, 'fail-fast', /not a boolean/],
    [{ 'prometheus-timeout': '0s' }, 'prometheus-timeout', /at least 0\.1s/],
    [{ 'prometheus-attempts': '0' }, 'prometheus-attempts', /from 1 to 10/],
    [{ 'metric-template': 'prom' }, 'metric-template', /not one of istio, knative, knative-legacy, custom/],
    [{ queries: 'a: [' }, 'queries', /invalid YAML/],
    [{ queries: '- a' }, 'queries', /mapping of metric id to PromQL/],
    [{ queries: 'error-rate: ""' }, 'queries', /non-empty PromQL/],
    [{ interval: '999ms' }, 'interval', /at least 1s/],
    [{ iterations: '0' }, 'iterations', /from 1 to 10000/],
    [{ iterations: '10001' }, 'iterations', /from 1 to 10000/],
    [{ iterations: '2.5' }, 'iterations', /whole number/],
    [{ 'min-requests': '0' }, 'min-requests', /from 1 to/],
    [{ 'fail-fast-after': '0' }, 'fail-fast-after', /from 1 to/],
    [{ confidence: '100%' }, 'confidence', /from 50% to 99\.99%, or off/],
    [{ confidence: '0.4' }, 'confidence', /from 50% to 99\.99%, or off/],
    [{ confidence: 'high' }, 'confidence', /Example: 95%/],
    [{ 'early-pass': 'soon' }, 'early-pass', /not a boolean/],
    [{ 'min-iterations': '0' }, 'min-iterations', /from 1 to/],
    [{ 'min-duration': 'later' }, 'min-duration', /min-duration/],
    [{ 'on-inconclusive': 'ignore' }, 'on-inconclusive', /not one of fail, pass/],
    [{ comment: 'sometimes' }, 'comment', /not one of always, on-failure, never/],
    [
      { objectives: 'p99-latency <= live + 20%' },
      'live-revision',
      /"p99-latency <= live \+ 20%" compares with the live revision/,
    ],
    [
      { objectives: 'p95-latency < 100ms\nqueue-depth < 3' },
      'objectives line 2',
      /unknown metric "queue-depth"/,
    ],
    [
      { 'metric-template': 'custom' },
      'queries',
      /custom needs a PromQL query for p95-latency, request-count/,
    ],
    [
      { 'metric-template': 'custom', queries: 'p95-latency: x' },
      'queries',
      /custom needs a PromQL query for request-count/,
    ],
    [
      { 'prometheus-token': 't', 'prometheus-username': 'u', 'prometheus-password': 'p' },
      'prometheus-token',
      /not both/,
    ],
    [{ 'prometheus-username': 'u' }, 'prometheus-password', /needs both/],
    [{ 'prometheus-password': 'p' }, 'prometheus-username', /needs both/],
    [{ 'comment-author': 'my app[bot]' }, 'comment-author', /not a GitHub login/],
    [{ 'comment-author': '-octocat' }, 'comment-author', /not a GitHub login/],
  ])('rejects %j naming %s with an example', (overrides, input, problem) => {
    const error = errorOf(() => build({ ...MINIMAL, ...overrides }));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/\n {2}Example: \S/);
  });

  it('takes comment-author for a GitHub App token', () => {
    expect(build({ ...MINIMAL, 'comment-author': 'shadowgate-ci[bot]' }).reporting.commentAuthor).toBe(
      'shadowgate-ci[bot]',
    );
  });

  it('does not echo secrets in errors', () => {
    const error = errorOf(() =>
      build({
        ...MINIMAL,
        'prometheus-token': 's3cret',
        'prometheus-username': 'u',
        'prometheus-password': 'hunter2',
      }),
    );
    expect(error.message).not.toMatch(/s3cret|hunter2/);
  });

  it('reads the confidence as a percentage or a ratio, with the early-pass minimums', () => {
    expect(
      build({
        ...MINIMAL,
        confidence: '99%',
        'min-iterations': '3',
        'min-duration': '2m',
        'early-pass': 'no',
      }).plan.decision,
    ).toEqual({
      mode: 'confidence',
      confidence: 0.99,
      earlyPass: false,
      minIterations: 3,
      minDurationMs: 120_000,
    });
    expect(build({ ...MINIMAL, confidence: '0.9' }).plan.decision).toMatchObject({ confidence: 0.9 });
  });

  it('keeps the point rule with confidence off, and notes the settings it then ignores', () => {
    const config = build({ ...MINIMAL, confidence: 'OFF', 'min-iterations': '2' });
    expect(config.plan.decision).toEqual({ mode: 'point' });
    expect(config.notes).toEqual(['min-iterations is not used: confidence is off']);
  });

  it('notes a min-iterations that keeps the run from ever passing early', () => {
    expect(build({ ...MINIMAL, iterations: '3', 'min-iterations': '4' }).notes).toEqual([
      'min-iterations 4 exceeds iterations 3, so the run never passes early',
    ]);
  });

  it('notes a fail-fast-after that can never trigger and disabled TLS verification', () => {
    const config = build({
      ...MINIMAL,
      confidence: 'off',
      iterations: '2',
      'fail-fast-after': '3',
      'prometheus-insecure-skip-tls-verify': 'true',
    });
    expect(config.notes).toEqual([
      'fail-fast-after 3 exceeds iterations 2, so the run never stops early',
      'TLS certificate verification for Prometheus is off',
    ]);
  });
});
