import type { PrometheusConfig } from '../core/config.js';
import type { MetricQuery, MetricReading, MetricsSource } from '../core/metrics-source.js';
import type { EvaluationPlan, TargetIdentity } from '../core/model.js';
import { PrometheusClient, type PrometheusClientOptions } from './prometheus-client.js';
import {
  type PlannedQuery,
  renderPlanQueries,
  renderQuery,
  versionIdentity,
  windowSeconds,
} from './prometheus-templates.js';

/** Reads the plan's metrics from Prometheus with the configured template, at the end of each window. */
export class PrometheusSource implements MetricsSource {
  readonly description: string;
  private readonly client: PrometheusClient;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly target: TargetIdentity,
    options: PrometheusClientOptions = {},
  ) {
    this.client = new PrometheusClient(config, options);
    this.description = `prometheus (${config.template}) at ${this.client.endpoint}`;
  }

  async read(query: MetricQuery, signal?: AbortSignal): Promise<MetricReading> {
    const rendered = renderQuery({
      template: this.config.template,
      queries: this.config.queries,
      metric: query.metric,
      identity: versionIdentity(this.target, query.version),
      windowSeconds: windowSeconds(query.window),
    });
    const outcome = await this.client.query(rendered, query.window.end, signal);
    return { ...outcome, query: rendered.promql };
  }

  /**
   * Renders every query of the plan and sends each once at `timeMs`, before anything is deployed: a query
   * Prometheus rejects, or a wrong URL or credentials, rejects with a ConfigurationError. An outage does not
   * (the run reports it as inconclusive), and the first query that finds Prometheus down ends the preflight,
   * so an outage costs one retry budget here, not one per query. Resolves with the queries, for the report.
   */
  async preflight(plan: EvaluationPlan, timeMs: number, signal?: AbortSignal): Promise<PlannedQuery[]> {
    const planned = renderPlanQueries(plan, this.config);
    for (const query of planned) {
      const outcome = await this.client.query({ promql: query.query, input: query.input }, timeMs, signal);
      if (outcome.status === 'unavailable') break;
    }
    return planned;
  }
}
