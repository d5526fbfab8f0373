import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricTemplate, PrometheusConfig } from '../../src/core/config.js';
import type { MetricReading } from '../../src/core/metrics-source.js';
import type { MetricSpec, TimeWindow } from '../../src/core/model.js';
import { PrometheusSource } from '../../src/metrics/prometheus-source.js';
import { escapePromqlString, escapeRegexLiteral } from '../../src/metrics/promql-escape.js';
import { bucketsMs, CLIENT_ERRORS, FAST, LIVE, NAMESPACE, SERVICE, SHOP_PODS } from '../support/fake-shop.js';
import { type MetricsBackend, metricsBackends, startBackend } from '../support/metrics-backends.js';
import { expectedMeanMs, expectedQuantileMs, MetricsExporter } from '../support/metrics-exporter.js';

// What each built-in template computes from Istio-, Knative legacy- and Knative OTel-shaped series, compared
// with the fake pods' known traffic. Latency and error ratio are exact up to floating point: every series
// of a pod is scraped at the same instants and grows in fixed proportions, so increase() extrapolates all
// of them by the same factor and histogram_quantile sees the exporter's bucket proportions exactly (it
// interpolates linearly inside the bucket, which expectedQuantileMs reproduces). The request count is an
// extrapolated increase, within 25 % of rate × window.

const metrics = {
  requests: { id: 'request-count', kind: 'request-count', unit: 'count' },
  errors: { id: 'error-rate', kind: 'error-rate', unit: 'ratio' },
  non2xx: { id: 'non-2xx-rate', kind: 'error-rate', unit: 'ratio', errors: 'non-2xx' },
  mean: { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' },
  p95: { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' },
} satisfies Record<string, MetricSpec>;

const WINDOW_S = 6;
const EXACT = 1e-9;

let exporter: MetricsExporter;
beforeAll(async () => {
  exporter = await MetricsExporter.start(SHOP_PODS);
});
afterAll(() => exporter?.stop());

function value(reading: MetricReading): number {
  if (reading.status !== 'ok') throw new Error(`expected a value, got ${reading.status}: ${reading.reason}`);
  return reading.value;
}

function expectClose(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(
    relative * Math.abs(expected),
  );
}

describe.each(metricsBackends())('$name', (spec) => {
  let backend: MetricsBackend;
  let window: TimeWindow;
  const config = (template: MetricTemplate, queries: Record<string, string> = {}): PrometheusConfig => ({
    url: backend.url,
    auth: { headers: { ...backend.headers } },
    tls: { insecureSkipVerify: false },
    template,
    queries,
    timeoutMs: 5_000,
    attempts: 2,
  });

  beforeAll(async () => {
    backend = await startBackend(spec, exporter.targets);
    await new Promise((resolve) => setTimeout(resolve, (WINDOW_S + 1) * 1000));
    const end = Date.now();
    window = { start: end - WINDOW_S * 1000, end };
    await backend.settled(end);
  });
  afterAll(() => backend?.stop());

  describe.each(['istio', 'knative-legacy', 'knative'] as const)('template %s', (template) => {
    const read = (metric: MetricSpec, darkRevision = 'shop-fast', version: 'dark' | 'live' = 'dark') =>
      new PrometheusSource(config(template), {
        namespace: NAMESPACE,
        service: SERVICE,
        darkRevision,
        liveRevision: 'shop-live',
      }).read({ metric, version, window });

    it('reads the dark revision only, matching its known traffic', async () => {
      expectClose(value(await read(metrics.p95)), expectedQuantileMs(FAST, bucketsMs(template), 0.95), EXACT);
      expectClose(value(await read(metrics.mean)), expectedMeanMs(FAST), EXACT);
      expectClose(value(await read(metrics.errors)), FAST.errorRatio, EXACT);
      expectClose(value(await read(metrics.requests)), FAST.requestsPerSecond * WINDOW_S, 0.25);
    });

    it('counts only 5xx in error-rate, and 4xx too in non-2xx-rate (Iter8 error-rate)', async () => {
      const notFound = CLIENT_ERRORS.notFoundRatio ?? 0;
      expectClose(value(await read(metrics.errors, 'shop-client-errors')), CLIENT_ERRORS.errorRatio, EXACT);
      expectClose(
        value(await read(metrics.non2xx, 'shop-client-errors')),
        CLIENT_ERRORS.errorRatio + notFound,
        EXACT,
      );
    });

    it('reads the live revision', async () => {
      expectClose(
        value(await read(metrics.p95, 'shop-fast', 'live')),
        expectedQuantileMs(LIVE, bucketsMs(template), 0.95),
        EXACT,
      );
    });

    it('reads a revision without series as 0 requests and no data for the ratios', async () => {
      expect(await read(metrics.requests, 'shop-never-deployed')).toMatchObject({ status: 'ok', value: 0 });
      expect(await read(metrics.errors, 'shop-never-deployed')).toMatchObject({
        status: 'no-data',
        reason: 'empty result',
      });
      expect(await read(metrics.mean, 'shop-never-deployed')).toMatchObject({ status: 'no-data' });
      expect(await read(metrics.p95, 'shop-never-deployed')).toMatchObject({ status: 'no-data' });
    });
  });

  it('substitutes custom query variables that Prometheus accepts and that select the revision', async () => {
    const query =
      'sum(increase(istio_requests_total{reporter="destination", destination_workload_namespace="$namespace", ' +
      'destination_workload=~"$revision-deployment"}[$window])) or on() vector(0)';
    const target = { namespace: NAMESPACE, service: SERVICE, darkRevision: 'shop-fast' };
    const reading = { metric: metrics.requests, version: 'dark', window } as const;
    const custom = await new PrometheusSource(config('custom', { 'request-count': query }), target).read(
      reading,
    );
    const builtin = await new PrometheusSource(config('istio'), target).read(reading);
    expect(value(custom)).toBe(value(builtin));
  });

  it('round-trips hostile values through PromQL string literals and exact regexes', async () => {
    // Label `v` gets the literal's value; `m` is set only when the regex matches the whole of `v`.
    const labelsOf = async (literal: string, pattern: string) => {
      const promql = `label_replace(label_replace(vector(1), "v", ${literal}, "", ""), "m", "yes", "v", ${pattern})`;
      const response = await fetch(`${backend.url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
        headers: backend.headers,
      });
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data: { result: { metric: unknown }[] };
      };
      expect(body.status, `${promql}: ${body.error}`).toBe('success');
      return body.data.result.map((sample) => sample.metric);
    };
    const regexOf = (text: string) => `"${escapePromqlString(escapeRegexLiteral(text))}"`;
    const hostile = [
      'a"b',
      "a'b",
      'back\\slash',
      'line\nbreak\ttab',
      '"} or vector(2) #',
      'x.*',
      '(a|b)+$',
      'ü 🚀 \u0001',
    ];
    for (const text of hostile) {
      for (const quote of ['"', "'"] as const) {
        const literal = `${quote}${escapePromqlString(text, quote)}${quote}`;
        expect(await labelsOf(literal, regexOf(text))).toEqual([{ v: text, m: 'yes' }]);
      }
    }
    expect(await labelsOf('"xyz"', regexOf('x.*'))).toEqual([{ v: 'xyz' }]);
  });
});
