import { REQUEST_COUNT } from '../core/builtin-metrics.js';
import type { MetricTemplate, PrometheusConfig } from '../core/config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type {
  EvaluationPlan,
  MetricSpec,
  Objective,
  TargetIdentity,
  TimeWindow,
  Version,
} from '../core/model.js';
import type { RenderedQuery } from '../core/result.js';
import { escapeRegexLiteral, promqlString } from './promql-escape.js';
import { type PromqlVariable, substituteVariables } from './promql-variables.js';

/** Whose metrics a query reads. */
export interface VersionIdentity {
  readonly version: Version;
  readonly namespace: string;
  readonly service: string;
  readonly revision: string;
}

export interface QueryRequest {
  readonly template: MetricTemplate;
  /** User PromQL per metric id; overrides the built-in template for that metric. */
  readonly queries: Readonly<Record<string, string>>;
  readonly metric: MetricSpec;
  readonly identity: VersionIdentity;
  /** Whole seconds, at least 1 (see `windowSeconds`). */
  readonly windowSeconds: number;
}

/** A query ready to send, with the input to name if Prometheus rejects it. */
export interface PromqlQuery {
  readonly promql: string;
  readonly input: string;
}

/** The range of a cumulative window in whole seconds: rounded up, at least 1 because `[0s]` is invalid PromQL. */
export function windowSeconds(window: TimeWindow): number {
  return Math.max(1, Math.ceil((window.end - window.start) / 1000));
}

export function versionIdentity(target: TargetIdentity, version: Version): VersionIdentity {
  const revision = version === 'dark' ? target.darkRevision : target.liveRevision;
  if (revision === undefined) {
    throw new ConfigurationError(
      'target.liveRevision',
      'the live revision is needed to read live metrics (relative objectives compare dark with live)',
      'liveRevision: checkout-00007',
    );
  }
  return { version, namespace: target.namespace, service: target.service, revision };
}

/**
 * The PromQL for one metric of one version: the user's query for that metric id when there is one, else the
 * template's. Throws a ConfigurationError naming `queries.<metric>` when a needed query is missing or bad.
 */
export function renderQuery(request: QueryRequest): PromqlQuery {
  const { metric, template } = request;
  const input = `queries.${metric.id}`;
  const userQuery = Object.hasOwn(request.queries, metric.id) ? request.queries[metric.id] : undefined;
  if (userQuery !== undefined) {
    return { promql: substituteVariables(userQuery, variables(request), input, exampleQuery(metric)), input };
  }
  if (template === 'custom' || metric.kind === 'custom') {
    const why = template === 'custom' ? 'the custom template' : `the custom metric "${metric.id}"`;
    throw new ConfigurationError(input, `${why} needs a PromQL query for ${metric.id}`, exampleQuery(metric));
  }
  return {
    promql: builtinQuery(metric, builtinFamily(template, request.identity, request.windowSeconds)),
    input: `template (${template}) for ${metric.id}`,
  };
}

/**
 * The queries for what a confidence bound needs, beside the value: the error and request counts of an error
 * rate; the per-bucket counts (`sum by (le)`) of a latency histogram, and its sum for a mean. Only the built-in
 * templates have them: a user's own PromQL gives a value and nothing more.
 */
export type EvidenceQueries =
  | { readonly kind: 'counts'; readonly events: PromqlQuery; readonly trials: PromqlQuery }
  | {
      readonly kind: 'histogram';
      readonly buckets: PromqlQuery;
      readonly sum?: PromqlQuery;
      /** Milliseconds per unit of the histogram's `le` and sum. */
      readonly msPerUnit: number;
    };

export function renderEvidenceQueries(request: QueryRequest): EvidenceQueries | undefined {
  const { metric, template } = request;
  if (Object.hasOwn(request.queries, metric.id) || template === 'custom') return undefined;
  const family = builtinFamily(template, request.identity, request.windowSeconds);
  const input = `template (${template}) for ${metric.id} evidence`;
  const query = (promql: string) => ({ promql, input });
  switch (metric.kind) {
    case 'error-rate':
      return {
        kind: 'counts',
        events: query(errorCount(metric, family)),
        trials: query(builtinQuery(REQUEST_COUNT, family)),
      };
    case 'latency-percentile':
      return { kind: 'histogram', buckets: query(bucketCounts(family)), msPerUnit: family.msPerUnit };
    case 'mean-latency':
      return {
        kind: 'histogram',
        buckets: query(bucketCounts(family)),
        sum: query(`sum(${family.increase(family.latencySum)})`),
        msPerUnit: family.msPerUnit,
      };
    default:
      return undefined;
  }
}

/** Every query of an evidence set, for preflight and the report. */
export function evidenceQueryList(evidence: EvidenceQueries): PromqlQuery[] {
  return evidence.kind === 'counts'
    ? [evidence.events, evidence.trials]
    : [evidence.buckets, ...(evidence.sum ? [evidence.sum] : [])];
}

/** The responses `metric` counts as errors (5xx, or every non-2xx for non-2xx-rate) over the window; 0 when none. */
function errorCount(metric: MetricSpec, family: Family): string {
  const errors = metric.errors === 'non-2xx' ? family.non2xxMatcher : family.errorMatcher;
  return `sum(${family.increase(family.requests, errors)}) or on() vector(0)`;
}

function bucketCounts(family: Family): string {
  return `sum by (le) (${family.increase(family.latencyBucket)})`;
}

export interface PlannedQuery extends RenderedQuery {
  readonly input: string;
  /** A histogram's `sum by (le)`: one series per bucket, read as such. */
  readonly buckets?: true;
}

/**
 * Every query the evaluation loop will send for a plan, over the final window: request-count and each
 * objective's metric for dark, and for live those of relative objectives (plus request-count), with the
 * evidence queries of confidence bounds. Rendering them
 * before the run rejects missing or malformed custom queries, and a missing live revision, up front.
 */
export function renderPlanQueries(
  plan: EvaluationPlan,
  prometheus: Pick<PrometheusConfig, 'template' | 'queries'>,
): PlannedQuery[] {
  const relative = plan.objectives.filter((objective) => objective.limit.kind === 'relative');
  const metricsOf = (objectives: readonly Objective[]) =>
    new Map([REQUEST_COUNT, ...objectives.map((objective) => objective.metric)].map((m) => [m.id, m]));
  const perVersion: [Version, Map<string, MetricSpec>][] = [['dark', metricsOf(plan.objectives)]];
  if (relative.length > 0) perVersion.push(['live', metricsOf(relative)]);
  const seconds = windowSeconds({ start: 0, end: plan.intervalMs * plan.iterations });
  return perVersion.flatMap(([version, metrics]) =>
    [...metrics.values()].flatMap((metric) => {
      const request = {
        template: prometheus.template,
        queries: prometheus.queries,
        metric,
        identity: versionIdentity(plan.target, version),
        windowSeconds: seconds,
      };
      const { promql, input } = renderQuery(request);
      const evidence = plan.decision.mode === 'confidence' ? renderEvidenceQueries(request) : undefined;
      const extra = evidence ? evidenceQueryList(evidence) : [];
      return [
        { metricId: metric.id, version, query: promql, input },
        ...extra.map((query) => ({
          metricId: `${metric.id} evidence`,
          version,
          query: query.promql,
          input: query.input,
          ...(evidence?.kind === 'histogram' && query === evidence.buckets ? { buckets: true as const } : {}),
        })),
      ];
    }),
  );
}

/** How one template family names and selects one version's request metrics. */
interface Family {
  /** Counter of all requests. */
  readonly requests: string;
  readonly latencySum: string;
  readonly latencyCount: string;
  readonly latencyBucket: string;
  /** Milliseconds per unit of the latency histogram. */
  readonly msPerUnit: number;
  /** Selects 5xx responses. */
  readonly errorMatcher: string;
  /** Selects every response that is not 2xx. */
  readonly non2xxMatcher: string;
  /** Per-series increase of `metric` over the window, restricted to the version. */
  increase(metric: string, extraMatcher?: string): string;
}

function builtinFamily(
  template: Exclude<MetricTemplate, 'custom'>,
  identity: VersionIdentity,
  seconds: number,
): Family {
  const range = `[${seconds}s]`;
  const selected = (matchers: readonly string[]) => (metric: string, extra?: string) => {
    const all = extra ? [...matchers, extra] : matchers;
    return `increase(${metric}${all.length > 0 ? `{${all.join(', ')}}` : ''}${range})`;
  };
  switch (template) {
    case 'istio':
      return {
        requests: 'istio_requests_total',
        latencySum: 'istio_request_duration_milliseconds_sum',
        latencyCount: 'istio_request_duration_milliseconds_count',
        latencyBucket: 'istio_request_duration_milliseconds_bucket',
        msPerUnit: 1,
        errorMatcher: 'response_code=~"5.."',
        non2xxMatcher: 'response_code!~"2.."',
        // Mirrored copies are reported only by the receiving sidecar; a Knative revision's pods run as the
        // workload `<revision>-deployment`, a plain Deployment as the revision name itself.
        increase: selected([
          'reporter="destination"',
          `destination_workload_namespace=${promqlString(identity.namespace)}`,
          `destination_workload=~${promqlString(`${escapeRegexLiteral(identity.revision)}(-deployment)?`)}`,
        ]),
      };
    case 'knative-legacy':
      return {
        requests: 'revision_app_request_latencies_count',
        latencySum: 'revision_app_request_latencies_sum',
        latencyCount: 'revision_app_request_latencies_count',
        latencyBucket: 'revision_app_request_latencies_bucket',
        msPerUnit: 1,
        errorMatcher: 'response_code_class="5xx"',
        non2xxMatcher: 'response_code_class!="2xx"',
        increase: selected([
          `namespace_name=${promqlString(identity.namespace)}`,
          `revision_name=${promqlString(identity.revision)}`,
        ]),
      };
    case 'knative': {
      // The OTel exporter puts the revision only on target_info, so each series is joined to it by target.
      const revisionTarget =
        `target_info{k8s_namespace_name=${promqlString(identity.namespace)}, ` +
        `kn_revision_name=${promqlString(identity.revision)}}`;
      const unselected = selected([]);
      return {
        requests: 'kn_serving_invocation_duration_seconds_count',
        latencySum: 'kn_serving_invocation_duration_seconds_sum',
        latencyCount: 'kn_serving_invocation_duration_seconds_count',
        latencyBucket: 'kn_serving_invocation_duration_seconds_bucket',
        msPerUnit: 1000,
        errorMatcher: 'http_response_status_code=~"5.."',
        non2xxMatcher: 'http_response_status_code!~"2.."',
        increase: (metric, extra) =>
          `${unselected(metric, extra)} * on (job, instance) group_left () ${revisionTarget}`,
      };
    }
  }
}

function builtinQuery(metric: MetricSpec, family: Family): string {
  const total = `sum(${family.increase(family.requests)})`;
  const inMs = (expression: string) =>
    family.msPerUnit === 1 ? expression : `${family.msPerUnit} * ${expression}`;
  switch (metric.kind) {
    case 'request-count':
      return `${total} or on() vector(0)`;
    case 'error-rate':
      // Zero errors is 0, but zero requests stays empty so it reads as no data, never as 0 %.
      return `(${errorCount(metric, family)}) / ${total}`;
    case 'mean-latency':
      return inMs(
        `sum(${family.increase(family.latencySum)}) / sum(${family.increase(family.latencyCount)})`,
      );
    case 'latency-percentile':
      return inMs(
        `histogram_quantile(${quantile(metric)}, sum by (le) (${family.increase(family.latencyBucket)}))`,
      );
    case 'custom':
      throw new Error(`custom metric ${metric.id} has no built-in query`);
    case 'response-mismatch-rate':
      // The config refuses it with Prometheus: only Shadowgate's own proxy sees both answers.
      throw new Error(`${metric.id} is measured by the builtin proxy, not by Prometheus`);
  }
}

/** `percentile / 100` without binary noise: 99.9 → `0.999`. */
function quantile(metric: MetricSpec): string {
  if (metric.percentile === undefined) throw new Error(`metric ${metric.id} has no percentile`);
  return String(Number((metric.percentile / 100).toPrecision(12)));
}

function variables(request: QueryRequest): Record<string, PromqlVariable | undefined> {
  const { identity, metric, windowSeconds: seconds } = request;
  const token = (value: string): PromqlVariable => ({ value, quotedOnly: false });
  const name = (value: string): PromqlVariable => ({ value, quotedOnly: true });
  return {
    revision: name(identity.revision),
    namespace: name(identity.namespace),
    service: name(identity.service),
    version: token(identity.version),
    elapsedTime: token(String(seconds)),
    window: token(`${seconds}s`),
    quantile: metric.percentile === undefined ? undefined : token(quantile(metric)),
  };
}

function exampleQuery(metric: MetricSpec): string {
  const selector = 'namespace="$namespace", revision="$revision"';
  const promql =
    metric.kind === 'latency-percentile'
      ? `histogram_quantile($quantile, sum by (le) (increase(http_request_duration_ms_bucket{${selector}}[$window])))`
      : `sum(increase(http_requests_total{${selector}}[$window]))`;
  return `queries: { ${metric.id}: '${promql}' }`;
}
