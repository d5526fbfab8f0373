import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSpec } from '../../src/core/model.js';
import { PrometheusClient } from '../../src/metrics/prometheus-client.js';
import type { BucketCounts } from '../../src/metrics/prometheus-response.js';
import {
  type EvidenceQueries,
  type PromqlQuery,
  renderEvidenceQueries,
  renderQuery,
} from '../../src/metrics/prometheus-templates.js';
import { ERRORS, FAST, NAMESPACE, SERVICE, SHOP_PODS } from '../support/fake-shop.js';
import { type MetricsBackend, startSharedBackends } from '../support/metrics-backends.js';
import { MetricsExporter } from '../support/metrics-exporter.js';

// The evidence queries of confidence bounds (per-bucket counts, error and request counts, latency sum and
// count) and histogram_quantile's edge cases, sent by Shadowgate's client to Prometheus 3, Thanos, Cortex and
// VictoriaMetrics holding the very same samples (one scraper feeds them all), and compared.
//
// Prometheus, Thanos and Cortex run Prometheus's engine and agree exactly. VictoriaMetrics' increase() does not
// extrapolate: it is the last sample in the window minus the last one before it, so it counts whole scrape
// intervals, where Prometheus scales the samples inside the window to its length. Its counts therefore differ by
// up to one scrape interval of traffic, while every ratio of counts (error ratio, bucket shares, mean) agrees,
// as all series of a pod are scraped at the same instants.

const WINDOW_S = 6;
const SCRAPE_S = 1;
const RATE = FAST.requestsPerSecond;
const EXACT = 1e-9;

const metrics = {
  errors: { id: 'error-rate', kind: 'error-rate', unit: 'ratio' },
  mean: { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' },
  requests: { id: 'request-count', kind: 'request-count', unit: 'count' },
} satisfies Record<string, MetricSpec>;

interface Evidence {
  readonly requests: number;
  readonly errors: number;
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly sum: number;
}

let exporter: MetricsExporter;
let backends: readonly MetricsBackend[];
let stopBackends: () => Promise<void>;
/** Mid-way between two scrapes, so the window's edges are too: where extrapolation shows. */
let endMs: number;
/** Per backend name: the evidence of shop-errors, and the request count of shop-stopping (reset in the window). */
const evidence = new Map<string, Evidence>();
const resetCounts = new Map<string, number>();

function client(backend: MetricsBackend): PrometheusClient {
  return new PrometheusClient({
    url: backend.url,
    auth: { headers: { ...backend.headers } },
    tls: { insecureSkipVerify: false },
    timeoutMs: 5_000,
    attempts: 2,
  });
}

const identity = (revision: string) => ({
  version: 'dark' as const,
  namespace: NAMESPACE,
  service: SERVICE,
  revision,
});
const request = (metric: MetricSpec, revision: string) => ({
  template: 'istio' as const,
  queries: {},
  metric,
  identity: identity(revision),
  windowSeconds: WINDOW_S,
});

async function value(backend: MetricsBackend, query: PromqlQuery, timeMs = endMs): Promise<number> {
  const outcome = await client(backend).query(query, timeMs);
  if (outcome.status !== 'ok') throw new Error(`${backend.spec.name}: ${outcome.status} for ${query.promql}`);
  return outcome.value;
}

async function readEvidence(backend: MetricsBackend, revision: string): Promise<Evidence> {
  const counts = renderEvidenceQueries(request(metrics.errors, revision)) as Extract<
    EvidenceQueries,
    { kind: 'counts' }
  >;
  const histogram = renderEvidenceQueries(request(metrics.mean, revision)) as Extract<
    EvidenceQueries,
    { kind: 'histogram' }
  >;
  const buckets = (await client(backend).queryBuckets(histogram.buckets, endMs)) as BucketCounts;
  if (buckets.status !== 'ok') throw new Error(`${backend.spec.name}: no buckets`);
  return {
    requests: await value(backend, counts.trials),
    errors: await value(backend, counts.events),
    buckets: buckets.buckets,
    sum: await value(backend, histogram.sum as PromqlQuery),
  };
}

beforeAll(async () => {
  exporter = await MetricsExporter.start(SHOP_PODS);
  ({ backends, stop: stopBackends } = await startSharedBackends(exporter.targets));
  const [prometheus] = backends as [MetricsBackend];
  await new Promise((resolve) => setTimeout(resolve, (WINDOW_S + 2) * 1000));
  // shop-stopping's pod restarts inside the window: its counters start again from zero.
  exporter.restart(NAMESPACE, 'shop-stopping');
  await new Promise((resolve) => setTimeout(resolve, (WINDOW_S / 2) * 1000));
  endMs = (await newestScrapeMs(prometheus)) + (SCRAPE_S * 1000) / 2;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, endMs - Date.now())));
  for (const backend of backends) await backend.settled(endMs);
  for (const backend of backends) {
    const read = await readEvidence(backend, 'shop-errors');
    const reset = await value(backend, renderQuery(request(metrics.requests, 'shop-stopping')));
    evidence.set(backend.spec.name, read);
    resetCounts.set(backend.spec.name, reset);
    // The measured numbers, for the README's table of backend differences.
    console.info(
      `${backend.spec.name}: requests ${read.requests}, errors ${read.errors}, sum ${read.sum}, across a reset ${reset}`,
    );
  }
});
afterAll(async () => {
  await stopBackends?.();
  await exporter?.stop();
});

async function newestScrapeMs(backend: MetricsBackend): Promise<number> {
  const query = { promql: 'max(timestamp(up{job="exporter"}))', input: 'test' };
  const time = await value(backend, query, Date.now());
  return time * 1000;
}

const reference = () => evidence.get(backends[0]?.spec.name ?? '') as Evidence;
const share = (e: Evidence, le: number) =>
  (e.buckets.find((bucket) => bucket.le === le)?.count ?? Number.NaN) / e.requests;

function expectRelative(actual: number, expected: number, tolerance: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    tolerance * Math.abs(expected),
  );
}

describe('the evidence queries on every backend, over the same samples', () => {
  it('Prometheus 3 extrapolates the counts to the window', () => {
    const { requests, errors } = reference();
    expectRelative(requests, RATE * WINDOW_S, 0.05, 'requests');
    expectRelative(errors / requests, ERRORS.errorRatio, EXACT, 'error ratio');
  });

  it.each(['Thanos', 'Cortex'])('%s answers exactly as Prometheus does', (name) => {
    const backend = backends.find((candidate) => candidate.spec.name.startsWith(name));
    const mine = evidence.get(backend?.spec.name ?? '') as Evidence;
    const theirs = reference();
    expectRelative(mine.requests, theirs.requests, EXACT, 'requests');
    expectRelative(mine.errors, theirs.errors, EXACT, 'errors');
    expectRelative(mine.sum, theirs.sum, EXACT, 'latency sum');
    expect(mine.buckets.map((bucket) => bucket.le)).toEqual(theirs.buckets.map((bucket) => bucket.le));
    mine.buckets.forEach((bucket, i) => {
      expectRelative(bucket.count, theirs.buckets[i]?.count ?? Number.NaN, EXACT, `le=${bucket.le}`);
    });
    expectRelative(
      resetCounts.get(backend?.spec.name ?? '') ?? Number.NaN,
      resetCounts.get(backends[0]?.spec.name ?? '') ?? Number.NaN,
      EXACT,
      'requests across a counter reset',
    );
  });

  it('VictoriaMetrics counts whole scrape intervals, and agrees on every ratio', () => {
    const vm = evidence.get(backends[3]?.spec.name ?? '') as Evidence;
    const prometheus = reference();
    // Whole intervals: the count is a multiple of a scrape interval's requests, not the window's share.
    const intervals = vm.requests / (RATE * SCRAPE_S);
    expect(Math.abs(intervals - Math.round(intervals)), `${intervals} intervals`).toBeLessThan(0.05);
    expect(Math.abs(vm.requests - prometheus.requests)).toBeLessThanOrEqual(RATE * SCRAPE_S * 1.05);
    expectRelative(vm.errors / vm.requests, prometheus.errors / prometheus.requests, 1e-6, 'error ratio');
    expectRelative(vm.sum / vm.requests, prometheus.sum / prometheus.requests, 1e-6, 'mean latency');
    expect(vm.buckets.map((bucket) => bucket.le)).toEqual(prometheus.buckets.map((bucket) => bucket.le));
    for (const { le } of prometheus.buckets) {
      expectRelative(share(vm, le), share(prometheus, le), 1e-6, `share le=${le}`);
    }
  });

  it('counts across a counter reset on every backend', () => {
    // The requests between the last scrape before the restart and the restart are lost, as on a real pod.
    for (const backend of backends) {
      const counted = resetCounts.get(backend.spec.name) ?? Number.NaN;
      expect(counted, backend.spec.name).toBeGreaterThanOrEqual(RATE * (WINDOW_S - 2 * SCRAPE_S));
      expect(counted, backend.spec.name).toBeLessThanOrEqual(RATE * (WINDOW_S + SCRAPE_S) * 1.05);
    }
  });
});

/** A classic histogram as a vector literal: one series per `le`, with its cumulative count. */
function histogram(buckets: Readonly<Record<string, number>>): string {
  return Object.entries(buckets)
    .map(([le, count]) => `label_replace(vector(${count}), "le", "${le}", "", "")`)
    .join(' or ');
}

/** What Prometheus's engine answers (Thanos and Cortex run it too), and where VictoriaMetrics differs. */
const QUANTILE_CASES = [
  { name: 'the rank in the +Inf bucket', q: 0.9, buckets: { '100': 5, '+Inf': 10 }, prometheus: 100 },
  { name: 'the rank in the lowest bucket', q: 0.5, buckets: { '100': 10, '+Inf': 10 }, prometheus: 50 },
  { name: 'no observations', q: 0.5, buckets: { '100': 0, '+Inf': 0 }, prometheus: 'no-data' },
  // Prometheus needs le="+Inf" to know the total; VictoriaMetrics takes the highest bucket as the total.
  {
    name: 'no +Inf bucket',
    q: 0.5,
    buckets: { '100': 5, '200': 10 },
    prometheus: 'no-data',
    victoriametrics: 100,
  },
] as const;

describe('histogram_quantile edge cases on every backend', () => {
  it.each(QUANTILE_CASES)('$name', async (edge) => {
    const { q, buckets } = edge;
    const promql = `histogram_quantile(${q}, ${histogram(buckets)})`;
    const answers = await Promise.all(
      backends.map(async (backend) => {
        const outcome = await client(backend).query({ promql, input: 'test' }, endMs);
        return [backend.spec.name, outcome.status === 'ok' ? outcome.value : outcome.status] as const;
      }),
    );
    const expected = (kind: string) =>
      kind === 'victoriametrics' && 'victoriametrics' in edge ? edge.victoriametrics : edge.prometheus;
    expect(Object.fromEntries(answers)).toEqual(
      Object.fromEntries(backends.map((backend) => [backend.spec.name, expected(backend.spec.kind)])),
    );
  });
});

describe('Cortex with multi-tenancy on', () => {
  const cortex = () => backends[2] as MetricsBackend;
  const requests = () => renderQuery(request(metrics.requests, 'shop-fast'));

  it('refuses a query without X-Scope-OrgID, which Shadowgate reports as an authentication problem', async () => {
    const anonymous = new PrometheusClient({
      url: cortex().url,
      auth: { headers: {} },
      tls: { insecureSkipVerify: false },
      timeoutMs: 5_000,
      attempts: 1,
    });
    await expect(anonymous.query(requests(), endMs)).rejects.toMatchObject({
      input: 'prometheus.auth',
      message: expect.stringMatching(/refused the credentials \(HTTP 401: no org id/),
    });
  });

  it("shows another tenant none of the test tenant's series", async () => {
    const other = { ...cortex(), headers: { 'X-Scope-OrgID': 'someone-else' } };
    expect(await client(other).query(requests(), endMs)).toEqual({ status: 'ok', value: 0 });
  });
});
