import { describe, expect, it } from 'vitest';
import { NON_2XX_RATE } from '../../../src/core/builtin-metrics.js';
import type { MetricTemplate } from '../../../src/core/config.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';
import type { EvaluationPlan, MetricSpec } from '../../../src/core/model.js';
import {
  type QueryRequest,
  renderEvidenceQueries,
  renderPlanQueries,
  renderQuery,
  versionIdentity,
  windowSeconds,
} from '../../../src/metrics/prometheus-templates.js';

const requestCount: MetricSpec = { id: 'request-count', kind: 'request-count', unit: 'count' };
const errorRate: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
const meanLatency: MetricSpec = { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' };
const p95: MetricSpec = { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' };
const p999: MetricSpec = { id: 'p99.9-latency', kind: 'latency-percentile', percentile: 99.9, unit: 'ms' };
const saturation: MetricSpec = { id: 'cpu-saturation', kind: 'custom', unit: 'none' };

const dark = { version: 'dark', namespace: 'shop', service: 'checkout', revision: 'checkout-00002' } as const;

function render(template: MetricTemplate, metric: MetricSpec, overrides: Partial<QueryRequest> = {}): string {
  return renderQuery({ template, queries: {}, metric, identity: dark, windowSeconds: 120, ...overrides })
    .promql;
}

describe('istio template', () => {
  const sel =
    'reporter="destination", destination_workload_namespace="shop", ' +
    'destination_workload=~"checkout-00002(-deployment)?"';

  it('renders each built-in metric over the window, latency in ms', () => {
    expect(render('istio', requestCount)).toBe(
      `sum(increase(istio_requests_total{${sel}}[120s])) or on() vector(0)`,
    );
    expect(render('istio', errorRate)).toBe(
      `(sum(increase(istio_requests_total{${sel}, response_code=~"5.."}[120s])) or on() vector(0)) / ` +
        `sum(increase(istio_requests_total{${sel}}[120s]))`,
    );
    expect(render('istio', NON_2XX_RATE)).toBe(
      `(sum(increase(istio_requests_total{${sel}, response_code!~"2.."}[120s])) or on() vector(0)) / ` +
        `sum(increase(istio_requests_total{${sel}}[120s]))`,
    );
    expect(render('istio', meanLatency)).toBe(
      `sum(increase(istio_request_duration_milliseconds_sum{${sel}}[120s])) / ` +
        `sum(increase(istio_request_duration_milliseconds_count{${sel}}[120s]))`,
    );
    expect(render('istio', p95)).toBe(
      `histogram_quantile(0.95, sum by (le) (increase(istio_request_duration_milliseconds_bucket{${sel}}[120s])))`,
    );
  });

  it('escapes a hostile revision as an exact regex inside the string literal', () => {
    const promql = render('istio', requestCount, {
      identity: { ...dark, namespace: 'a"b', revision: 'x.*"} or vector(1) #' },
    });
    expect(promql).toContain('destination_workload_namespace="a\\"b"');
    expect(promql).toContain(
      'destination_workload=~"x\\\\.\\\\*\\"\\\\} or vector\\\\(1\\\\) #(-deployment)?"',
    );
  });
});

describe('knative-legacy template', () => {
  const sel = 'namespace_name="shop", revision_name="checkout-00002"';

  it('uses the queue-proxy OpenCensus histogram in ms and 5xx by class', () => {
    expect(render('knative-legacy', requestCount)).toBe(
      `sum(increase(revision_app_request_latencies_count{${sel}}[120s])) or on() vector(0)`,
    );
    expect(render('knative-legacy', errorRate)).toBe(
      `(sum(increase(revision_app_request_latencies_count{${sel}, response_code_class="5xx"}[120s])) ` +
        `or on() vector(0)) / sum(increase(revision_app_request_latencies_count{${sel}}[120s]))`,
    );
    // Iter8's iter8-knative/error-rate, to the selector: response_code_class!='2xx'.
    expect(render('knative-legacy', NON_2XX_RATE)).toBe(
      `(sum(increase(revision_app_request_latencies_count{${sel}, response_code_class!="2xx"}[120s])) ` +
        `or on() vector(0)) / sum(increase(revision_app_request_latencies_count{${sel}}[120s]))`,
    );
    expect(render('knative-legacy', p95)).toBe(
      `histogram_quantile(0.95, sum by (le) (increase(revision_app_request_latencies_bucket{${sel}}[120s])))`,
    );
  });
});

describe('knative template (Serving 1.21+, OpenTelemetry)', () => {
  const join =
    '* on (job, instance) group_left () target_info{k8s_namespace_name="shop", kn_revision_name="checkout-00002"}';

  it('joins every series to target_info for the revision and converts seconds to ms', () => {
    expect(render('knative', requestCount)).toBe(
      `sum(increase(kn_serving_invocation_duration_seconds_count[120s]) ${join}) or on() vector(0)`,
    );
    expect(render('knative', errorRate)).toBe(
      `(sum(increase(kn_serving_invocation_duration_seconds_count{http_response_status_code=~"5.."}[120s]) ${join}) ` +
        `or on() vector(0)) / sum(increase(kn_serving_invocation_duration_seconds_count[120s]) ${join})`,
    );
    expect(render('knative', NON_2XX_RATE)).toBe(
      `(sum(increase(kn_serving_invocation_duration_seconds_count{http_response_status_code!~"2.."}[120s]) ${join}) ` +
        `or on() vector(0)) / sum(increase(kn_serving_invocation_duration_seconds_count[120s]) ${join})`,
    );
    expect(render('knative', meanLatency)).toBe(
      `1000 * sum(increase(kn_serving_invocation_duration_seconds_sum[120s]) ${join}) / ` +
        `sum(increase(kn_serving_invocation_duration_seconds_count[120s]) ${join})`,
    );
    expect(render('knative', p95)).toBe(
      `1000 * histogram_quantile(0.95, sum by (le) (increase(kn_serving_invocation_duration_seconds_bucket[120s]) ${join}))`,
    );
  });
});

describe('quantiles and windows', () => {
  it('writes the quantile without binary noise', () => {
    expect(render('istio', p999)).toContain('histogram_quantile(0.999, ');
  });

  it('rounds the window up to whole seconds, at least 1', () => {
    expect(windowSeconds({ start: 1_000, end: 1_000 })).toBe(1);
    expect(windowSeconds({ start: 0, end: 1 })).toBe(1);
    expect(windowSeconds({ start: 0, end: 120_000 })).toBe(120);
    expect(windowSeconds({ start: 0, end: 120_001 })).toBe(121);
  });
});

describe('custom queries', () => {
  const queries = {
    'p95-latency':
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${name} is PromQL variable syntax
      'histogram_quantile($quantile, sum by (le) (rate(lat_bucket{ns="$namespace", rev=~"${revision}", ' +
      'svc=\'$service\', v="$version"}[$window]))) # $unknown in a comment is kept',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${name} is PromQL variable syntax
    'request-count': 'sum(increase(reqs_total{rev="$revision"}[${elapsedTime}s]))',
  };

  it('substitutes every variable, escaped for the literal it is in', () => {
    const identity = { ...dark, service: "o'brien", revision: 'rev.1"' };
    expect(render('custom', p95, { queries, identity })).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(lat_bucket{ns="shop", rev=~"rev\\\\.1\\"", ' +
        "svc='o\\'brien', v=\"dark\"}[120s]))) # $unknown in a comment is kept",
    );
    expect(render('custom', requestCount, { queries, identity })).toBe(
      'sum(increase(reqs_total{rev="rev.1\\""}[120s]))',
    );
  });

  it('overrides a built-in template per metric and names the query as the input to blame', () => {
    const rendered = renderQuery({
      template: 'istio',
      queries,
      metric: requestCount,
      identity: dark,
      windowSeconds: 5,
    });
    expect(rendered).toEqual({
      promql: 'sum(increase(reqs_total{rev="checkout-00002"}[5s]))',
      input: 'queries.request-count',
    });
    expect(render('istio', errorRate, { queries })).toContain('istio_requests_total');
  });

  it('keeps label_replace group references such as $1', () => {
    const promql = 'label_replace(up, "x", "$1", "job", "(.*)")';
    expect(render('custom', saturation, { queries: { 'cpu-saturation': promql } })).toBe(promql);
  });

  it('rejects an unknown variable, naming the query and listing the known ones', () => {
    const error = catchError(() =>
      render('custom', requestCount, { queries: { 'request-count': 'sum(x{a="$revison"})' } }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('queries.request-count');
    expect(error.message).toContain('unknown variable $revison');
    expect(error.message).toContain('$revision, $namespace, $service, $version, $elapsedTime, $window');
    expect(error.message).toContain('Example: queries:');
  });

  it('has $quantile only for percentile metrics', () => {
    expect(() => render('custom', requestCount, { queries: { 'request-count': 'x > $quantile' } })).toThrow(
      /unknown variable \$quantile/,
    );
  });

  it('refuses names outside quotes, where they could not be escaped', () => {
    expect(() =>
      render('custom', requestCount, { queries: { 'request-count': 'sum(x) by ($revision)' } }),
    ).toThrow(/\$revision must be inside a quoted string/);
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${name} is PromQL variable syntax
      render('custom', requestCount, { queries: { 'request-count': 'x[$window] offset ${elapsedTime}s' } }),
    ).toBe('x[120s] offset 120s');
  });

  it('refuses a value that a raw string cannot hold', () => {
    const queries = { 'request-count': 'x{rev=`$revision`}' };
    expect(render('custom', requestCount, { queries })).toBe('x{rev=`checkout-00002`}');
    expect(() => render('custom', requestCount, { queries, identity: { ...dark, revision: 'a`b' } })).toThrow(
      /contains a backtick/,
    );
  });

  it('requires a query for every metric of the custom template and for custom metrics', () => {
    expect(() => render('custom', errorRate)).toThrow(
      /Invalid queries\.error-rate: the custom template needs/,
    );
    expect(() => render('istio', saturation)).toThrow(/Invalid queries\.cpu-saturation: the custom metric/);
  });
});

describe('renderPlanQueries', () => {
  const plan: EvaluationPlan = {
    name: 'checkout',
    target: {
      namespace: 'shop',
      service: 'checkout',
      darkRevision: 'checkout-00002',
      liveRevision: 'checkout-00001',
    },
    objectives: [
      { text: 'p95-latency < 100ms', metric: p95, comparator: '<', limit: { kind: 'absolute', value: 100 } },
      {
        text: 'p95-latency <= live + 20%',
        metric: p95,
        comparator: '<=',
        limit: { kind: 'relative', scale: 1.2, offset: 0 },
      },
      {
        text: 'error-rate < 1%',
        metric: errorRate,
        comparator: '<',
        limit: { kind: 'absolute', value: 0.01 },
      },
    ],
    intervalMs: 10_000,
    iterations: 6,
    minRequests: 10,
    failFast: { enabled: false, consecutiveBreaches: 1 },
    decision: { mode: 'point' },
  };

  it('renders what the loop reads: each metric once for dark, relative ones for live, over the final window', () => {
    const queries = renderPlanQueries(plan, { template: 'knative-legacy', queries: {} });
    expect(queries.map((q) => `${q.version} ${q.metricId}`)).toEqual([
      'dark request-count',
      'dark p95-latency',
      'dark error-rate',
      'live request-count',
      'live p95-latency',
    ]);
    expect(queries[0]?.query).toContain('revision_name="checkout-00002"}[60s]');
    expect(queries[3]?.query).toContain('revision_name="checkout-00001"}[60s]');
  });

  it('needs the live revision only for relative objectives', () => {
    const target = { namespace: 'shop', service: 'checkout', darkRevision: 'checkout-00002' };
    const absoluteOnly = {
      ...plan,
      target,
      objectives: plan.objectives.filter((o) => o.limit.kind === 'absolute'),
    };
    expect(
      renderPlanQueries(absoluteOnly, { template: 'istio', queries: {} }).every((q) => q.version === 'dark'),
    ).toBe(true);
    expect(() => renderPlanQueries({ ...plan, target }, { template: 'istio', queries: {} })).toThrow(
      /Invalid target\.liveRevision/,
    );
    expect(() => versionIdentity(target, 'live')).toThrow(ConfigurationError);
  });

  it('with confidence bounds, also renders the evidence queries, so preflight checks them too', () => {
    const confident = {
      ...plan,
      decision: { mode: 'confidence', confidence: 0.95, earlyPass: true, minIterations: 1, minDurationMs: 0 },
    } as const;
    expect(
      renderPlanQueries(confident, { template: 'istio', queries: {} }).map(
        (q) => `${q.version} ${q.metricId}`,
      ),
    ).toEqual([
      'dark request-count',
      'dark p95-latency',
      'dark p95-latency evidence',
      'dark error-rate',
      'dark error-rate evidence',
      'dark error-rate evidence',
      'live request-count',
      'live p95-latency',
      'live p95-latency evidence',
    ]);
  });

  it('rejects a custom template missing a query before anything runs', () => {
    expect(() => renderPlanQueries(plan, { template: 'custom', queries: {} })).toThrow(
      /queries\.request-count/,
    );
  });
});

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('renderEvidenceQueries', () => {
  const request = (template: MetricTemplate, metric: MetricSpec, queries: Record<string, string> = {}) =>
    renderEvidenceQueries({ template, queries, metric, identity: dark, windowSeconds: 120 });

  it('counts errors and requests for an error rate, with the template’s own 5xx matcher', () => {
    const evidence = request('istio', errorRate);
    expect(evidence?.kind).toBe('counts');
    if (evidence?.kind !== 'counts') throw new Error('expected counts');
    expect(evidence.events.promql).toBe(
      'sum(increase(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_workload=~"checkout-00002(-deployment)?", response_code=~"5.."}[120s])) or on() vector(0)',
    );
    expect(evidence.trials.promql).toBe(render('istio', requestCount));
  });

  // Found when the Iter8 tutorial's non-2xx-rate ran on Prometheus: 5% of 404s read "5% [0%, 0.642%]" and passed,
  // because the bound counted only the 5xx.
  it('counts every non-2xx response for non-2xx-rate, as its value query does', () => {
    for (const template of ['istio', 'knative', 'knative-legacy'] as const) {
      const evidence = request(template, NON_2XX_RATE);
      const serverErrors = request(template, errorRate);
      if (evidence?.kind !== 'counts' || serverErrors?.kind !== 'counts') throw new Error('expected counts');
      expect(evidence.events.promql).not.toBe(serverErrors.events.promql);
      expect(render(template, NON_2XX_RATE)).toContain(evidence.events.promql);
      expect(render(template, errorRate)).toContain(serverErrors.events.promql);
    }
  });

  it('reads the histogram inside histogram_quantile, and its sum for a mean, with the unit of its le', () => {
    const percentile = request('knative', p95);
    expect(percentile).toMatchObject({ kind: 'histogram', msPerUnit: 1000 });
    if (percentile?.kind !== 'histogram') throw new Error('expected a histogram');
    expect(render('knative', p95)).toContain(percentile.buckets.promql);
    expect(percentile.sum).toBeUndefined();
    const mean = request('knative-legacy', meanLatency);
    if (mean?.kind !== 'histogram') throw new Error('expected a histogram');
    expect(mean.sum?.promql).toBe(
      'sum(increase(revision_app_request_latencies_sum{namespace_name="shop", revision_name="checkout-00002"}[120s]))',
    );
  });

  it('has none for the custom template, the user’s own query of a metric, a custom metric or a count', () => {
    expect(request('custom', errorRate)).toBeUndefined();
    expect(request('istio', errorRate, { 'error-rate': 'my_ratio' })).toBeUndefined();
    expect(request('istio', saturation)).toBeUndefined();
    expect(request('istio', requestCount)).toBeUndefined();
  });
});
