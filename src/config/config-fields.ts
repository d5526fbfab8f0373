import { AWS_REGION_EXAMPLE, AWS_ROLE_ARN_EXAMPLE, parseAwsRegion, parseAwsRoleArn } from './aws-values.js';
import { CLUSTER_FIELDS } from './cluster-fields.js';
import { parseConfidence } from './confidence.js';
import { type ConfigField, durationAtLeast, field, workflowExpression } from './config-field.js';
import { parseDnsLabel, parseExperimentName } from './names.js';
import { objectiveEntries } from './objective-parser.js';
import {
  parseHeaders,
  parsePem,
  parsePemOrPemFile,
  parsePrometheusUrl,
  parseQueries,
  readPemFile,
} from './prometheus-values.js';
import { parseBoolean, parseChoice, parseGitHubLogin, parseInteger, parseText } from './scalar-values.js';
import { TRAFFIC_FIELDS } from './traffic-fields.js';

export const CONFIG_FIELDS: readonly ConfigField[] = [
  field({
    setting: 'name',
    input: 'name',
    file: 'name',
    description:
      'Experiment name, shown in reports and used to find the sticky PR comment. Default: the service name.',
    parse: parseExperimentName,
  }),
  field({
    setting: 'namespace',
    input: 'namespace',
    file: 'target.namespace',
    description: 'Kubernetes namespace of the service.',
    parse: (value, at) => parseDnsLabel(value, at, 'default'),
  }),
  field({
    setting: 'service',
    input: 'service',
    file: 'target.service',
    description: 'Kubernetes (or Knative) service under test.',
    parse: (value, at) => parseDnsLabel(value, at, 'checkout'),
  }),
  field({
    setting: 'darkRevision',
    input: 'dark-revision',
    file: 'target.darkRevision',
    description:
      'Revision receiving mirrored traffic; the one judged against the objectives. Derived for target knative (`<service>-<revision-suffix>`) and deployment (`<deployment>-<revision-suffix>`).',
    parse: (value, at) => parseDnsLabel(value, at, 'checkout-00002'),
  }),
  field({
    setting: 'liveRevision',
    input: 'live-revision',
    file: 'target.liveRevision',
    description:
      'Revision serving users; required by relative objectives such as `p99-latency <= live + 20%`. Discovered at deploy time for target knative and deployment.',
    parse: (value, at) => parseDnsLabel(value, at, 'checkout-00001'),
  }),
  field({
    setting: 'prometheusUrl',
    input: 'prometheus-url',
    file: 'prometheus.url',
    description: 'Prometheus base URL (http or https), without /api/v1.',
    parse: parsePrometheusUrl,
  }),
  field({
    setting: 'prometheusToken',
    input: 'prometheus-token',
    file: 'prometheus.auth.bearerToken',
    description: 'Bearer token for Prometheus.',
    parse: (value, at) => parseText(value, at, workflowExpression('secrets.PROMETHEUS_TOKEN')),
  }),
  field({
    setting: 'prometheusUsername',
    input: 'prometheus-username',
    file: 'prometheus.auth.basic.username',
    description: 'Basic-auth user name for Prometheus (with prometheus-password).',
    parse: (value, at) => parseText(value, at, 'shadowgate'),
  }),
  field({
    setting: 'prometheusPassword',
    input: 'prometheus-password',
    file: 'prometheus.auth.basic.password',
    description: 'Basic-auth password for Prometheus (with prometheus-username).',
    parse: (value, at) => parseText(value, at, workflowExpression('secrets.PROMETHEUS_PASSWORD')),
  }),
  field({
    setting: 'prometheusHeaders',
    input: 'prometheus-headers',
    file: 'prometheus.auth.headers',
    description: 'Extra request headers, one `Name: value` per line (e.g. X-Scope-OrgID for Mimir).',
    parse: parseHeaders,
  }),
  field({
    setting: 'prometheusAuth',
    input: 'prometheus-auth',
    file: 'prometheus.auth.type',
    description:
      'sigv4 signs every request with AWS Signature V4 (service aps), for Amazon Managed Service for Prometheus, with the AWS credentials in the runner environment (e.g. from aws-actions/configure-aws-credentials). Needs aws-region. Default: no signing.',
    parse: (value, at) => parseChoice(value, at, ['sigv4']),
  }),
  field({
    setting: 'awsRegion',
    input: 'aws-region',
    file: 'prometheus.auth.sigv4.region',
    description: `AWS region of the Amazon Managed Service for Prometheus workspace, e.g. ${AWS_REGION_EXAMPLE} (with prometheus-auth sigv4).`,
    parse: parseAwsRegion,
  }),
  field({
    setting: 'awsRoleArn',
    input: 'aws-role-arn',
    file: 'prometheus.auth.sigv4.roleArn',
    description: `IAM role to assume with the runner's AWS credentials before signing, e.g. ${AWS_ROLE_ARN_EXAMPLE} (with prometheus-auth sigv4). Default: sign with the runner's credentials as they are.`,
    parse: parseAwsRoleArn,
  }),
  field({
    setting: 'prometheusCa',
    input: 'prometheus-ca',
    description: 'CA certificate(s) to trust for Prometheus: PEM text, or the path of a PEM file.',
    parse: parsePemOrPemFile,
  }),
  field({
    setting: 'prometheusCa',
    file: 'prometheus.tls.ca',
    description: 'CA certificate(s) to trust for Prometheus, as PEM text.',
    parse: parsePem,
  }),
  field({
    setting: 'prometheusCa',
    file: 'prometheus.tls.caFile',
    description: 'Path of a PEM file with CA certificate(s) to trust for Prometheus.',
    parse: readPemFile,
  }),
  field({
    setting: 'prometheusInsecureSkipTlsVerify',
    input: 'prometheus-insecure-skip-tls-verify',
    file: 'prometheus.tls.insecureSkipVerify',
    default: 'false',
    description: 'Skip TLS certificate verification for Prometheus (testing only). Default: false.',
    parse: parseBoolean,
  }),
  field({
    setting: 'prometheusTimeoutMs',
    input: 'prometheus-timeout',
    file: 'prometheus.timeout',
    default: '10s',
    description: 'Timeout of one Prometheus request, e.g. 10s. Default: 10s.',
    parse: durationAtLeast(100, '10s'),
  }),
  field({
    setting: 'prometheusAttempts',
    input: 'prometheus-attempts',
    file: 'prometheus.attempts',
    default: '4',
    description: 'Attempts per query on network errors, 5xx and timeouts (1 = no retry). Default: 4.',
    parse: (value, at) => parseInteger(value, at, 1, 10),
  }),
  field({
    setting: 'metricTemplate',
    input: 'metric-template',
    file: 'prometheus.template',
    default: 'istio',
    description:
      'PromQL templates: istio, knative (Knative 1.21+), knative-legacy (Knative up to 1.18) or custom. Default: istio.',
    parse: (value, at) => parseChoice(value, at, ['istio', 'knative', 'knative-legacy', 'custom']),
  }),
  field({
    setting: 'queries',
    input: 'queries',
    file: 'prometheus.queries',
    description:
      'YAML mapping of metric id to PromQL: required for every metric with the custom template, overrides otherwise.',
    parse: parseQueries,
  }),
  field({
    setting: 'objectives',
    input: 'objectives',
    file: 'objectives',
    description:
      'One objective per line, e.g. `p95-latency < 100ms`, `error-rate < 1%`, `p99-latency <= live + 20%`.',
    parse: (value, at) => objectiveEntries(value, at),
  }),
  field({
    setting: 'intervalMs',
    input: 'interval',
    file: 'evaluation.interval',
    default: '10s',
    description: 'Time between iterations, at least 1s. Default: 10s.',
    parse: durationAtLeast(1000, '10s'),
  }),
  field({
    setting: 'iterations',
    input: 'iterations',
    file: 'evaluation.iterations',
    default: '10',
    description: 'Number of iterations, 1 to 10000. Default: 10.',
    parse: (value, at) => parseInteger(value, at, 1, 10_000),
  }),
  field({
    setting: 'minRequests',
    input: 'min-requests',
    file: 'evaluation.minRequests',
    default: '10',
    description:
      'Fewer dark requests than this in the window makes objectives inconclusive (at least 1). Default: 10.',
    parse: (value, at) => parseInteger(value, at, 1, 1_000_000_000),
  }),
  field({
    setting: 'confidence',
    input: 'confidence',
    file: 'evaluation.confidence',
    default: '95%',
    description:
      'How sure a verdict must be: each objective is decided on a confidence bound that holds at every iteration, so the run can stop as soon as the bounds settle it, and the chance of a false pass, and of a false fail, stays below 1 − confidence. `off` judges point values against the limits, as Iter8 did. Default: 95%.',
    parse: parseConfidence,
  }),
  field({
    setting: 'failFast',
    input: 'fail-fast',
    file: 'evaluation.failFast',
    default: 'true',
    description:
      'Stop early on a breach: as soon as one is confidently shown, or with confidence off once it held for fail-fast-after iterations in a row. Default: true.',
    parse: parseBoolean,
  }),
  field({
    setting: 'failFastAfter',
    input: 'fail-fast-after',
    file: 'evaluation.failFastAfter',
    default: '2',
    description:
      'With confidence off: consecutive breached iterations that stop the run early (at least 1). Default: 2.',
    parse: (value, at) => parseInteger(value, at, 1, 10_000),
  }),
  field({
    setting: 'earlyPass',
    input: 'early-pass',
    file: 'evaluation.earlyPass',
    default: 'true',
    description:
      'Stop early with verdict pass as soon as every objective is confidently met (after min-iterations and min-duration). Not with confidence off. Default: true.',
    parse: parseBoolean,
  }),
  field({
    setting: 'minIterations',
    input: 'min-iterations',
    file: 'evaluation.minIterations',
    default: '1',
    description:
      'Iterations that run before an early pass, e.g. to watch a warm-up (at least 1). Default: 1.',
    parse: (value, at) => parseInteger(value, at, 1, 10_000),
  }),
  field({
    setting: 'minDurationMs',
    input: 'min-duration',
    file: 'evaluation.minDuration',
    default: '0s',
    description: 'Time that passes before an early pass, e.g. `2m`. Default: 0s.',
    parse: durationAtLeast(0, '2m'),
  }),
  field({
    setting: 'onInconclusive',
    input: 'on-inconclusive',
    file: 'evaluation.onInconclusive',
    default: 'fail',
    description: 'Job outcome for an inconclusive verdict: fail or pass. Default: fail.',
    parse: (value, at) => parseChoice(value, at, ['fail', 'pass']),
  }),
  field({
    setting: 'comment',
    input: 'comment',
    file: 'report.comment',
    default: 'always',
    description: 'When to write the sticky PR comment: always, on-failure or never. Default: always.',
    parse: (value, at) => parseChoice(value, at, ['always', 'on-failure', 'never']),
  }),
  field({
    setting: 'commentAuthor',
    input: 'comment-author',
    file: 'report.commentAuthor',
    description:
      "Login that authors the sticky comment, so a re-run finds and updates it. Set `<app-slug>[bot]` when github-token is a GitHub App token. Default: the token's user, or github-actions[bot] for the workflow token.",
    parse: parseGitHubLogin,
  }),
  field({
    setting: 'githubToken',
    input: 'github-token',
    actionDefault: workflowExpression('github.token'),
    description: 'Token for the PR comment. Default: the workflow token.',
    parse: (value, at) => parseText(value, at, workflowExpression('github.token')),
  }),
  ...CLUSTER_FIELDS,
  ...TRAFFIC_FIELDS,
];
