import type { PrometheusConfig } from '../core/config.js';
import type { Evidence } from '../core/evidence.js';
import type { MetricQuery, MetricReading, MetricsSource } from '../core/metrics-source.js';
import type { EvaluationPlan, TargetIdentity } from '../core/model.js';
import { PrometheusClient, type PrometheusClientOptions, type QueryOutcome } from './prometheus-client.js';
import {
  type EvidenceQueries,
  evidenceQueryList,
  type PlannedQuery,
  type PromqlQuery,
  renderEvidenceQueries,
  renderPlanQueries,
  renderQuery,
  versionIdentity,
  windowSeconds,
} from './prometheus-templates.js';
import { PrometheusUnreachableError } from './prometheus-unreachable.js';

type Problem = { readonly status: 'no-data' | 'unavailable'; readonly reason: string };

/**
 * Reads the plan's metrics from Prometheus with the configured template, at the end of each window. With
 * confidence bounds (`withEvidence`), each reading also carries the counts or the histogram behind its value.
 */
export class PrometheusSource implements MetricsSource {
  readonly description: string;
  private readonly client: PrometheusClient;
  /** One look's answers, so a query two readings share (the request count) is sent once per look. */
  private look: { readonly timeMs: number; readonly answers: Map<string, Promise<unknown>> } = {
    timeMs: Number.NaN,
    answers: new Map(),
  };

  constructor(
    private readonly config: PrometheusConfig,
    private readonly target: TargetIdentity,
    options: PrometheusClientOptions & { readonly withEvidence?: boolean } = {},
  ) {
    this.client = new PrometheusClient(config, options);
    this.description = `prometheus (${config.template}) at ${this.client.endpoint}`;
    this.withEvidence = options.withEvidence ?? false;
  }

  private readonly withEvidence: boolean;

  async read(query: MetricQuery, signal?: AbortSignal): Promise<MetricReading> {
    const request = {
      template: this.config.template,
      queries: this.config.queries,
      metric: query.metric,
      identity: versionIdentity(this.target, query.version),
      windowSeconds: windowSeconds(query.window),
    };
    const rendered = renderQuery(request);
    const time = query.window.end;
    const evidenceQueries = this.withEvidence ? renderEvidenceQueries(request) : undefined;
    const [outcome, evidence] = await Promise.all([
      this.once(rendered, time, () => this.client.query(rendered, time, signal)),
      evidenceQueries ? this.evidence(evidenceQueries, time, signal) : undefined,
    ]);
    if (outcome.status !== 'ok' || evidenceQueries === undefined || evidence === undefined) {
      return { ...outcome, query: rendered.promql };
    }
    const queried = {
      query: rendered.promql,
      evidenceQueries: evidenceQueryList(evidenceQueries).map((q) => q.promql),
    };
    if ('reason' in evidence) {
      return { status: evidence.status, reason: `evidence for the bound: ${evidence.reason}`, ...queried };
    }
    return { ...outcome, ...queried, evidence };
  }

  private async evidence(
    queries: EvidenceQueries,
    timeMs: number,
    signal?: AbortSignal,
  ): Promise<Evidence | Problem> {
    const value = (query: PromqlQuery) =>
      this.once(query, timeMs, () => this.client.query(query, timeMs, signal)) as Promise<QueryOutcome>;
    if (queries.kind === 'counts') {
      const [events, trials] = await Promise.all([value(queries.events), value(queries.trials)]);
      if (events.status !== 'ok') return events;
      if (trials.status !== 'ok') return trials;
      return { kind: 'counts', events: events.value, trials: trials.value };
    }
    const [buckets, sum] = await Promise.all([
      this.once(queries.buckets, timeMs, () => this.client.queryBuckets(queries.buckets, timeMs, signal)),
      queries.sum ? value(queries.sum) : undefined,
    ]);
    if (buckets.status !== 'ok') return buckets;
    if (sum !== undefined && sum.status !== 'ok') return sum;
    const ms = queries.msPerUnit;
    return {
      kind: 'histogram',
      buckets: buckets.buckets.map(({ le, count }) => ({ le: le * ms, count })),
      ...(sum ? { sum: sum.value * ms } : {}),
    };
  }

  /** The answer to `query` at `timeMs`, sent at most once per look (the cache holds only the latest look). */
  private once<T>(query: PromqlQuery, timeMs: number, send: () => Promise<T>): Promise<T> {
    if (this.look.timeMs !== timeMs) this.look = { timeMs, answers: new Map() };
    const key = query.promql;
    let answer = this.look.answers.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = send();
      this.look.answers.set(key, answer);
    }
    return answer;
  }

  /**
   * Renders every query of the plan and sends each once at `timeMs`, before anything is deployed: a query
   * Prometheus rejects, or a wrong URL or credentials, rejects with a ConfigurationError. A Prometheus that no
   * attempt could even connect to rejects with a PrometheusUnreachableError, so the run stops before its first
   * iteration. An outage of a server that does answer (5xx, timeouts) does not: the run goes on and reports it,
   * and the first query that finds it down ends the preflight, so an outage costs one retry budget here, not
   * one per query. Resolves with the queries, for the report.
   */
  async preflight(plan: EvaluationPlan, timeMs: number, signal?: AbortSignal): Promise<PlannedQuery[]> {
    const planned = renderPlanQueries(plan, this.config);
    for (const query of planned) {
      const promql = { promql: query.query, input: query.input };
      const outcome = query.buckets
        ? await this.client.queryBuckets(promql, timeMs, signal)
        : await this.client.query(promql, timeMs, signal);
      if (outcome.status === 'unavailable' && outcome.unreachable) {
        throw new PrometheusUnreachableError(`${outcome.reason}; the run stopped before its first iteration`);
      }
      if (outcome.status === 'unavailable') break;
    }
    return planned;
  }
}
