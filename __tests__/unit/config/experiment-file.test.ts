import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../../../src/config/experiment-file.js';
import { CA_PEM, errorOf, filesystem, fixture } from './fixture-files.js';

const HEADER = 'apiVersion: shadowgate.dev/v1alpha1\nkind: Experiment\n';
const NO_FILES = filesystem({});

describe('parseExperimentFile: Shadowgate format', () => {
  it('reads the istio sample', () => {
    const { settings, notes } = parseExperimentFile(fixture('experiment-istio.yaml'), NO_FILES);
    expect(notes).toEqual([]);
    expect(settings).toEqual({
      name: 'checkout-dark',
      namespace: 'shop',
      service: 'checkout',
      darkRevision: 'checkout-00002',
      liveRevision: 'checkout-00001',
      prometheusUrl: 'http://prometheus.monitoring:9090',
      metricTemplate: 'istio',
      prometheusHeaders: { 'X-Scope-OrgID': 'team-a' },
      prometheusTimeoutMs: 5000,
      prometheusAttempts: 3,
      objectives: [
        { input: 'experiment: objectives[0]', value: 'p95-latency < 100ms' },
        { input: 'experiment: objectives[1]', value: 'error-rate < 1%' },
        { input: 'experiment: objectives[2]', value: 'p99-latency <= live + 20%' },
        { input: 'experiment: objectives[3]', value: { metric: 'mean-latency', op: '<=', limit: '50ms' } },
      ],
      intervalMs: 15_000,
      iterations: 20,
      minRequests: 50,
      failFast: true,
      failFastAfter: 3,
      onInconclusive: 'fail',
      comment: 'on-failure',
    });
  });

  it('reads the custom sample, its queries and its CA file through readFile', () => {
    const { settings } = parseExperimentFile(
      fixture('experiment-custom.yaml'),
      filesystem({ 'certs/mimir-ca.pem': CA_PEM }),
    );
    expect(settings.metricTemplate).toBe('custom');
    expect(Object.keys(settings.queries ?? {})).toEqual([
      'request-count',
      'error-rate',
      'p99-latency',
      'queue-depth',
    ]);
    expect(settings.prometheusCa).toBe(CA_PEM);
    expect(settings.prometheusUsername).toBe('shadowgate');
    expect(settings.prometheusPassword).toBe('not-a-real-password');
    expect(settings.prometheusUrl).toBe('https://mimir.example.com/prometheus');
  });

  it('reads SigV4 signing for Amazon Managed Service for Prometheus', () => {
    const { settings } = parseExperimentFile(
      `${HEADER}prometheus:\n  url: https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1\n` +
        '  auth:\n    type: sigv4\n    sigv4: {region: us-east-1, roleArn: "arn:aws:iam::123456789012:role/amp"}\n',
      NO_FILES,
    );
    expect(settings).toMatchObject({
      prometheusAuth: 'sigv4',
      awsRegion: 'us-east-1',
      awsRoleArn: 'arn:aws:iam::123456789012:role/amp',
    });
  });

  it('turns an unreadable caFile into a ConfigurationError naming the field', () => {
    const error = errorOf(() => parseExperimentFile(fixture('experiment-custom.yaml'), NO_FILES));
    expect(error.input).toBe('experiment: prometheus.tls.caFile');
    expect(error.message).toContain('cannot read certs/mimir-ca.pem: ENOENT');
  });

  it('checks that a caFile holds PEM', () => {
    const text = `${HEADER}prometheus: {tls: {caFile: ca.pem}}`;
    expect(() => parseExperimentFile(text, filesystem({ 'ca.pem': 'not a cert' }))).toThrow(
      /Invalid experiment: prometheus\.tls\.caFile \(ca\.pem\): expected PEM/,
    );
  });

  it('accepts an inline PEM ca, not both ca and caFile', () => {
    const inline = `${HEADER}prometheus:\n  tls:\n    ca: |\n      ${CA_PEM.replaceAll('\n', '\n      ')}\n`;
    expect(parseExperimentFile(inline, NO_FILES).settings.prometheusCa).toBe(CA_PEM);
    const both = `${inline}    caFile: ca.pem\n`;
    expect(errorOf(() => parseExperimentFile(both, filesystem({ 'ca.pem': CA_PEM }))).message).toContain(
      'set either ca or caFile',
    );
  });

  it('treats empty values as unset', () => {
    expect(parseExperimentFile(`${HEADER}name:\nreport:\n`, NO_FILES).settings).toEqual({});
  });

  it('accepts YAML and string forms of scalars', () => {
    const text = `${HEADER}evaluation: {interval: 30, iterations: "5", failFast: "no"}`;
    expect(parseExperimentFile(text, NO_FILES).settings).toEqual({
      intervalMs: 30_000,
      iterations: 5,
      failFast: false,
    });
  });

  it.each([
    [
      `${HEADER}targte: {service: a}`,
      'experiment: targte',
      /unknown key "targte" \(did you mean "target"\?\)/,
    ],
    [`${HEADER}target: {darkRevison: a}`, 'experiment: target.darkRevison', /did you mean "darkRevision"\?/],
    [
      `${HEADER}target: {dark_revision: a}`,
      'experiment: target.dark_revision',
      /did you mean "darkRevision"\?/,
    ],
    [
      `${HEADER}prometheus: {auth: {basic: {user: a}}}`,
      'experiment: prometheus.auth.basic.user',
      /unknown key "user".*allowed in prometheus\.auth\.basic: username, password/,
    ],
    [`${HEADER}target: checkout`, 'experiment: target', /expected a mapping with namespace, service/],
    [
      `${HEADER}target: {service: Checkout}`,
      'experiment: target.service',
      /Kubernetes accepts only lower-case/,
    ],
    [
      `${HEADER}evaluation: {iterations: 0}`,
      'experiment: evaluation.iterations',
      /whole number from 1 to 10000/,
    ],
    [`${HEADER}evaluation: {interval: 500ms}`, 'experiment: evaluation.interval', /at least 1s/],
    [
      `${HEADER}report: {comment: sometimes}`,
      'experiment: report.comment',
      /not one of always, on-failure, never/,
    ],
    [`${HEADER}prometheus: {url: ftp://x}`, 'experiment: prometheus.url', /not an http\(s\) URL/],
    [`${HEADER}prometheus: {template: datadog}`, 'experiment: prometheus.template', /not one of istio/],
    [`${HEADER}prometheus: {queries: {Bad Key: x}}`, 'experiment: prometheus.queries', /not a metric id/],
    [`${HEADER}objectives: {p95-latency: 1ms}`, 'experiment: objectives', /expected a list of objectives/],
    [
      'apiVersion: shadowgate.dev/v2\nkind: Experiment',
      'experiment: apiVersion',
      /expected apiVersion shadowgate/,
    ],
    ['kind: Experiment', 'experiment: apiVersion', /expected apiVersion/],
    ['- a\n- b', 'experiment', /must be a YAML mapping/],
    ['just text', 'experiment', /must be a YAML mapping/],
    ['', 'experiment', /must be a YAML mapping/],
    [`${HEADER}name: a\nname: b`, 'experiment', /invalid YAML/],
    [`${HEADER}---\n${HEADER}`, 'experiment', /invalid YAML/],
    [`${HEADER}target: {service: [}`, 'experiment', /invalid YAML/],
  ])('rejects %j naming %s', (text, input, problem) => {
    const error = errorOf(() => parseExperimentFile(text, NO_FILES));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain('Example: ');
  });

  it('rejects alias bombs', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    expect(() => parseExperimentFile(`${HEADER}${levels.join('\n')}`, NO_FILES)).toThrow(/unreadable YAML/);
  });

  it('rejects files over 1 MiB before parsing them', () => {
    const text = `${HEADER}name: ${'a'.repeat(1024 * 1024)}`;
    expect(() => parseExperimentFile(text, NO_FILES)).toThrow(/larger than 1024 KiB/);
  });
});
