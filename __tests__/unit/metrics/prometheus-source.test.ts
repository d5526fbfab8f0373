import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PrometheusConfig } from '../../../src/core/config.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';
import type { EvaluationPlan, MetricSpec, TargetIdentity } from '../../../src/core/model.js';
import { PrometheusSource } from '../../../src/metrics/prometheus-source.js';
import { PrometheusUnreachableError } from '../../../src/metrics/prometheus-unreachable.js';
import { buckets, failure, ScriptedServer, success } from '../../support/scripted-prometheus.js';

const server = new ScriptedServer();
let config: PrometheusConfig;
beforeAll(async () => {
  config = {
    url: await server.start(),
    auth: { headers: {} },
    tls: { insecureSkipVerify: false },
    template: 'knative-legacy',
    queries: {},
    timeoutMs: 1_000,
    attempts: 2,
  };
});
afterEach(() => server.reset());
afterAll(() => server.stop());

const target: TargetIdentity = {
  namespace: 'shop',
  service: 'checkout',
  darkRevision: 'checkout-00002',
  liveRevision: 'checkout-00001',
};
const p95: MetricSpec = { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' };
const noWait = { sleep: async () => {} };

describe('PrometheusSource', () => {
  it('describes itself by template and endpoint', () => {
    expect(new PrometheusSource(config, target).description).toBe(
      `prometheus (knative-legacy) at ${config.url}`,
    );
  });

  it('queries the version over the window in whole seconds at the window end, and returns the query', async () => {
    server.replies = [success('87.5')];
    const source = new PrometheusSource(config, target, noWait);
    const reading = await source.read({
      metric: p95,
      version: 'live',
      window: { start: 1_000_000, end: 1_010_500 },
    });
    const query =
      'histogram_quantile(0.95, sum by (le) (increase(revision_app_request_latencies_bucket' +
      '{namespace_name="shop", revision_name="checkout-00001"}[11s])))';
    expect(reading).toEqual({ status: 'ok', value: 87.5, query });
    expect(Object.fromEntries(server.requests[0]?.form ?? [])).toMatchObject({ query, time: '1010.500' });
  });

  it('reads a backend down past its retry budget as unavailable, with the query', async () => {
    server.replies = [
      failure(503, 'unavailable', 'TSDB not ready'),
      failure(503, 'unavailable', 'TSDB not ready'),
    ];
    const source = new PrometheusSource(config, target, noWait);
    const reading = await source.read({ metric: p95, version: 'dark', window: { start: 0, end: 5_000 } });
    expect(reading).toMatchObject({
      status: 'unavailable',
      reason: `Prometheus at ${config.url}: HTTP 503 unavailable: TSDB not ready (2 attempts)`,
      query: expect.stringContaining('revision_name="checkout-00002"}[5s]'),
    });
  });

  describe('preflight', () => {
    const plan: EvaluationPlan = {
      name: 'checkout',
      target,
      objectives: [
        {
          text: 'p95-latency < 100ms',
          metric: p95,
          comparator: '<',
          limit: { kind: 'absolute', value: 100 },
        },
      ],
      intervalMs: 10_000,
      iterations: 3,
      minRequests: 10,
      failFast: { enabled: false, consecutiveBreaches: 1 },
      decision: { mode: 'point' },
    };

    it('sends each query once and returns them', async () => {
      const planned = await new PrometheusSource(config, target, noWait).preflight(plan, 1_700_000_000_000);
      expect(planned.map((q) => q.metricId)).toEqual(['request-count', 'p95-latency']);
      expect(server.requests.map((r) => r.form.get('query'))).toEqual(planned.map((q) => q.query));
    });

    it('rejects a query Prometheus calls bad_data, naming the query input', async () => {
      const custom = {
        ...config,
        queries: { 'p95-latency': 'histogram_quantile($quantile, x{rev="$revision"}' },
      };
      server.replies = [
        success('10'),
        failure(400, 'bad_data', '1:40: parse error: unclosed left parenthesis'),
      ];
      const error = await new PrometheusSource(custom, target, noWait)
        .preflight(plan, 0)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).input).toBe('queries.p95-latency');
      expect((error as Error).message).toContain('unclosed left parenthesis');
    });

    it('with confidence bounds, sends the evidence queries too, reading a bucket query as its buckets', async () => {
      const confident = {
        ...plan,
        decision: {
          mode: 'confidence',
          confidence: 0.95,
          earlyPass: true,
          minIterations: 1,
          minDurationMs: 0,
        },
      } as const;
      server.answer = (query) =>
        query.startsWith('sum by (le)') ? buckets({ '+Inf': 3, '100': 2 }) : undefined;
      const planned = await new PrometheusSource(config, target, noWait).preflight(confident, 0);
      expect(planned.map((q) => q.metricId)).toEqual([
        'request-count',
        'p95-latency',
        'p95-latency evidence',
      ]);
      expect(server.requests).toHaveLength(3);
    });

    it('lets an outage through (the run reports it), spending one retry budget, not one per query', async () => {
      server.replies = [1, 2, 3, 4].map(() => failure(503, 'unavailable', 'down'));
      await expect(new PrometheusSource(config, target, noWait).preflight(plan, 0)).resolves.toHaveLength(2);
      expect(server.requests).toHaveLength(config.attempts);
    });

    it('stops the run when no attempt could connect at all, naming the URL and the cause', async () => {
      const closed = new ScriptedServer();
      const url = await closed.start();
      await closed.stop();
      const error = await new PrometheusSource({ ...config, url }, target, noWait)
        .preflight(plan, 0)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrometheusUnreachableError);
      expect((error as Error).message).toBe(
        `Prometheus at ${url}: network error ECONNREFUSED (connection refused) (2 attempts); the run stopped before its first iteration`,
      );
    });
  });
});

describe('PrometheusSource with evidence for confidence bounds', () => {
  const errorRate: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
  const mean: MetricSpec = { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' };
  const window = { start: 0, end: 60_000 };

  it('reads an error rate with its error and request counts, each query sent once per look', async () => {
    server.answer = (query) =>
      query.startsWith('(sum(')
        ? success('0.02')
        : query.includes('5xx')
          ? success('12.4')
          : success('600.2');
    const source = new PrometheusSource(config, target, { ...noWait, withEvidence: true });
    const reading = await source.read({ metric: errorRate, version: 'dark', window });
    expect(reading).toMatchObject({
      status: 'ok',
      value: 0.02,
      evidence: { kind: 'counts', events: 12.4, trials: 600.2 },
    });
    expect(reading.evidenceQueries).toEqual([
      'sum(increase(revision_app_request_latencies_count{namespace_name="shop", revision_name="checkout-00002", response_code_class="5xx"}[60s])) or on() vector(0)',
      'sum(increase(revision_app_request_latencies_count{namespace_name="shop", revision_name="checkout-00002"}[60s])) or on() vector(0)',
    ]);
    // The request count is the same query the loop reads for min-requests: sent once.
    await source.read({
      metric: { id: 'request-count', kind: 'request-count', unit: 'count' },
      version: 'dark',
      window,
    });
    expect(server.requests).toHaveLength(3);
  });

  it('reads a latency histogram in ms (the knative template counts seconds), sorted and kept cumulative', async () => {
    server.answer = (query) =>
      query.startsWith('sum by (le)')
        ? buckets({ '+Inf': 100, '0.1': 90, '0.05': 91, '0.01': 20 })
        : query.startsWith('sum(increase(kn_serving_invocation_duration_seconds_sum')
          ? success('4.5')
          : success('45');
    const source = new PrometheusSource({ ...config, template: 'knative' }, target, {
      ...noWait,
      withEvidence: true,
    });
    const reading = await source.read({ metric: mean, version: 'dark', window });
    expect(reading).toMatchObject({
      status: 'ok',
      value: 45,
      evidence: {
        kind: 'histogram',
        buckets: [
          { le: 10, count: 20 },
          { le: 50, count: 91 },
          { le: 100, count: 91 },
          { le: Number.POSITIVE_INFINITY, count: 100 },
        ],
        sum: 4500,
      },
    });
  });

  it('makes a reading whose evidence is missing no data, so its objective stays inconclusive', async () => {
    server.answer = (query) => (query.startsWith('sum by (le)') ? buckets({ '0.1': 3 }) : success('12'));
    const source = new PrometheusSource(config, target, { ...noWait, withEvidence: true });
    const reading = await source.read({ metric: p95, version: 'dark', window });
    expect(reading).toMatchObject({
      status: 'no-data',
      reason: 'evidence for the bound: no latency buckets up to le="+Inf" in the window',
    });
  });

  it('has no evidence for the user’s own PromQL, or with confidence off', async () => {
    server.answer = () => success('0.5');
    const own = new PrometheusSource({ ...config, queries: { 'error-rate': 'my_ratio' } }, target, {
      ...noWait,
      withEvidence: true,
    });
    expect(await own.read({ metric: errorRate, version: 'dark', window })).toEqual({
      status: 'ok',
      value: 0.5,
      query: 'my_ratio',
    });
    const off = new PrometheusSource(config, target, noWait);
    expect(await off.read({ metric: errorRate, version: 'dark', window })).not.toHaveProperty('evidence');
    expect(server.requests).toHaveLength(2);
  });
});
