import type { MetricTemplate } from '../../src/core/config.js';
import {
  type FakePod,
  ISTIO_BUCKETS_MS,
  KNATIVE_LEGACY_BUCKETS_MS,
  KNATIVE_OTEL_BUCKETS_S,
  type TrafficProfile,
} from './metrics-exporter.js';

/**
 * The revisions the Prometheus integration tests scrape: one per behaviour, all in namespace `shop`, plus
 * decoys whose names a loose selector would also match, which fail everything.
 */
export const NAMESPACE = 'shop';
export const SERVICE = 'shop';

// Enough requests for 95%-confidence bounds to settle in a test's few seconds (error rates need hundreds).
const RATE = 400;

/** p95 lands mid-bucket in every template's buckets: Istio 75 ms, Knative legacy 70 ms, Knative OTel 62.5 ms. */
export const FAST: TrafficProfile = {
  requestsPerSecond: RATE,
  latencies: [
    { ms: 8, weight: 0.5 },
    { ms: 30, weight: 0.4 },
    { ms: 70, weight: 0.1 },
  ],
  errorRatio: 0.01,
};
/** The live revision: a little slower than FAST (Istio p95 75 ms as well; Knative legacy 90 ms). */
export const LIVE: TrafficProfile = {
  requestsPerSecond: RATE,
  latencies: [
    { ms: 9, weight: 0.5 },
    { ms: 35, weight: 0.4 },
    { ms: 90, weight: 0.1 },
  ],
  errorRatio: 0.01,
};
/** Istio p95 475 ms. */
export const SLOW: TrafficProfile = {
  requestsPerSecond: RATE,
  latencies: [
    { ms: 200, weight: 0.5 },
    { ms: 400, weight: 0.5 },
  ],
  errorRatio: 0.01,
};
/** A slow tail: Istio p95 175 ms, above LIVE + 20 % but below an absolute 500 ms. */
export const SLOW_TAIL: TrafficProfile = {
  ...FAST,
  latencies: [
    { ms: 8, weight: 0.5 },
    { ms: 30, weight: 0.4 },
    { ms: 200, weight: 0.1 },
  ],
};
export const ERRORS: TrafficProfile = { ...FAST, errorRatio: 0.2 };
/** 2% answered 503 and 8% 404: error-rate 2%, non-2xx-rate (Iter8's error-rate) 10%. */
export const CLIENT_ERRORS: TrafficProfile = { ...FAST, errorRatio: 0.02, notFoundRatio: 0.08 };
const BROKEN: TrafficProfile = {
  requestsPerSecond: RATE,
  latencies: [{ ms: 5000, weight: 1 }],
  errorRatio: 1,
};

const pod = (revision: string, profile: TrafficProfile, namespace = NAMESPACE): FakePod => ({
  namespace,
  service: SERVICE,
  revision,
  profile,
});

export const SHOP_PODS: readonly FakePod[] = [
  pod('shop-live', LIVE),
  pod('shop-fast', FAST),
  pod('shop-slow', SLOW),
  pod('shop-slow-tail', SLOW_TAIL),
  pod('shop-errors', ERRORS),
  pod('shop-client-errors', CLIENT_ERRORS),
  pod('shop-stopping', FAST),
  // Decoys: a revision whose name extends shop-fast, and shop-fast in another namespace.
  pod('shop-fast2', BROKEN),
  pod('shop-fast', BROKEN, 'other'),
];

/** The upper bounds (ms) of the latency histogram each built-in template reads. */
export function bucketsMs(template: Exclude<MetricTemplate, 'custom'>): readonly number[] {
  if (template === 'istio') return ISTIO_BUCKETS_MS;
  if (template === 'knative-legacy') return KNATIVE_LEGACY_BUCKETS_MS;
  return KNATIVE_OTEL_BUCKETS_S.map((s) => s * 1000);
}
