import { ConfigurationError } from '../core/configuration-error.js';
import type { PromqlQuery } from './prometheus-templates.js';

/**
 * The `/api/v1` envelope. `warnings` and `infos` (2.54+) are optional, so 2.42 and 3.x bodies both fit;
 * anything else in them is ignored.
 */
export interface PrometheusEnvelope {
  readonly status: 'success' | 'error';
  readonly data?: unknown;
  readonly errorType?: string;
  readonly error?: string;
}

/** A value, or why there is none. Outages are the client's business, not the response's. */
export type InstantValue =
  | { readonly status: 'ok'; readonly value: number }
  | { readonly status: 'no-data'; readonly reason: string };

/** The envelope in a response body, or undefined when the body is not one (e.g. a proxy's HTML page). */
export function parseEnvelope(body: string): PrometheusEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const status = (parsed as { status?: unknown }).status;
  return status === 'success' || status === 'error' ? (parsed as PrometheusEnvelope) : undefined;
}

/**
 * The single number an instant query's `data` holds. An empty vector and NaN/±Inf are no data (no requests
 * in the window gives 0/0); shapes that cannot be one number are the query's fault.
 */
export function readInstantValue(data: unknown, query: PromqlQuery): InstantValue {
  const { resultType, result } = (data ?? {}) as { resultType?: unknown; result?: unknown };
  if (resultType === 'scalar' && Array.isArray(result)) return sampleValue(result[1]);
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new ConfigurationError(
      query.input,
      `the query returned a ${String(resultType)} result, but an instant vector or scalar is needed:\n  ${query.promql}`,
      'sum(increase(http_requests_total{revision="$revision"}[$window]))',
    );
  }
  if (result.length === 0) return { status: 'no-data', reason: 'empty result' };
  if (result.length > 1) {
    const first = JSON.stringify((result[0] as { metric?: unknown }).metric ?? {});
    throw new ConfigurationError(
      query.input,
      `the query returned ${result.length} series (first: ${first}); aggregate it to one, e.g. with sum():\n  ${query.promql}`,
      `sum(${query.promql})`,
    );
  }
  const sample = result[0] as { value?: unknown[]; histogram?: unknown };
  if (sample.value === undefined) {
    throw new ConfigurationError(
      query.input,
      `the query returned a native histogram, not a number; wrap it, e.g. in histogram_quantile():\n  ${query.promql}`,
      'histogram_quantile(0.95, sum(rate(http_request_duration_seconds[$window])))',
    );
  }
  return sampleValue(sample.value[1]);
}

// Sample values are strings; Prometheus writes infinities as "+Inf"/"-Inf", which Number() does not read.
const SPECIAL_VALUES: Readonly<Record<string, number>> = {
  '+Inf': Infinity,
  Inf: Infinity,
  '-Inf': -Infinity,
};

function sampleValue(raw: unknown): InstantValue {
  const text = String(raw);
  const value = SPECIAL_VALUES[text] ?? Number(text);
  if (Number.isNaN(value)) return { status: 'no-data', reason: 'NaN (e.g. no requests in the window)' };
  if (!Number.isFinite(value)) return { status: 'no-data', reason: `${text} (e.g. a division by zero)` };
  return { status: 'ok', value };
}

/** Cumulative counts per upper bound, from a `sum by (le)` query. */
export type BucketCounts =
  | { readonly status: 'ok'; readonly buckets: readonly { readonly le: number; readonly count: number }[] }
  | { readonly status: 'no-data'; readonly reason: string };

/**
 * The series of a `sum by (le) (increase(…_bucket[…]))` query as ascending cumulative counts. increase()
 * extrapolates each bucket's series on its own, so neighbours can come out a little out of order; a count is
 * raised to the one below it, so they stay cumulative.
 */
export function readBucketCounts(data: unknown, query: PromqlQuery): BucketCounts {
  const { resultType, result } = (data ?? {}) as { resultType?: unknown; result?: unknown };
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new ConfigurationError(
      query.input,
      `the query returned a ${String(resultType)} result, but a vector of buckets is needed:\n  ${query.promql}`,
    );
  }
  const buckets: { le: number; count: number }[] = [];
  for (const series of result as { metric?: Record<string, string>; value?: unknown[] }[]) {
    const le = series.metric?.le;
    const value = sampleValue(series.value?.[1]);
    if (le === undefined || value.status !== 'ok') continue;
    const bound = SPECIAL_VALUES[le] ?? Number(le);
    if (!Number.isNaN(bound)) buckets.push({ le: bound, count: value.value });
  }
  buckets.sort((a, b) => a.le - b.le);
  if (buckets.length === 0 || buckets.at(-1)?.le !== Number.POSITIVE_INFINITY) {
    return { status: 'no-data', reason: 'no latency buckets up to le="+Inf" in the window' };
  }
  let below = 0;
  return {
    status: 'ok',
    buckets: buckets.map(({ le, count }) => {
      below = Math.max(below, count);
      return { le, count: below };
    }),
  };
}
