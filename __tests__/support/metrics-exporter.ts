import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './simulated-requests.js';

/**
 * Fake pods for Prometheus to scrape: each serves, for one Knative revision, the request metrics Istio's
 * sidecar, the Knative ≤ 1.18 queue-proxy (OpenCensus) and the Knative ≥ 1.21 queue-proxy (OpenTelemetry,
 * revision only on `target_info`) would expose. Counts grow with real time at a known rate, latency
 * distribution and error ratio, so what Prometheus computes from them can be predicted.
 */

/** A share of the requests that take exactly `ms`. */
export interface LatencyMass {
  readonly ms: number;
  readonly weight: number;
}

export interface TrafficProfile {
  readonly requestsPerSecond: number;
  /** Weights sum to 1. */
  readonly latencies: readonly LatencyMass[];
  /** Share of requests answered 503. */
  readonly errorRatio: number;
  /**
   * With a seed, requests are whole random draws (each one's latency mass and status drawn independently), as
   * real traffic is a sample; without, counts grow as exact fractions of the rate, so results can be predicted.
   */
  readonly seed?: number;
  /** Share of requests answered 404 (neither 2xx nor 5xx); default none. */
  readonly notFoundRatio?: number;
}

export interface FakePod {
  readonly namespace: string;
  readonly service: string;
  readonly revision: string;
  readonly profile: TrafficProfile;
}

export const NO_TRAFFIC: TrafficProfile = { requestsPerSecond: 0, latencies: [], errorRatio: 0 };

/** Envoy's default buckets, which Istio keeps (ms). */
export const ISTIO_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];
/** Knative ≤ 1.18 `revision_app_request_latencies` (ms). */
export const KNATIVE_LEGACY_BUCKETS_MS = [
  5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 2000, 5000,
  10000, 20000, 50000, 100000,
];
/** Knative ≥ 1.21 `kn_serving_invocation_duration_seconds` (s). */
export const KNATIVE_OTEL_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** The mean latency of a profile, which `sum / count` reproduces exactly. */
export function expectedMeanMs(profile: TrafficProfile): number {
  return profile.latencies.reduce((total, { ms, weight }) => total + ms * weight, 0);
}

/**
 * What `histogram_quantile(q, …)` returns for a profile's requests counted in buckets with these upper bounds
 * (ms): Prometheus interpolates linearly inside the bucket holding the rank, starting the first bucket at 0.
 */
export function expectedQuantileMs(profile: TrafficProfile, boundsMs: readonly number[], q: number): number {
  const cumulative = boundsMs.map((bound) =>
    profile.latencies.filter(({ ms }) => ms <= bound).reduce((total, { weight }) => total + weight, 0),
  );
  const rank = q; // the weights sum to 1
  const index = cumulative.findIndex((count) => count >= rank);
  if (index === -1) return boundsMs[boundsMs.length - 1] ?? Number.NaN; // in the +Inf bucket
  const lower = index === 0 ? 0 : (boundsMs[index - 1] ?? 0);
  const below = index === 0 ? 0 : (cumulative[index - 1] ?? 0);
  const upper = boundsMs[index] ?? Number.NaN;
  return lower + ((upper - lower) * (rank - below)) / ((cumulative[index] ?? 0) - below);
}

type StatusCode = '200' | '404' | '503';

/** One revision's requests so far: per status code, the count at each latency. */
class PodTraffic {
  private readonly counts: Record<StatusCode, Map<number, number>> = {
    '200': new Map(),
    '404': new Map(),
    '503': new Map(),
  };
  private since = Date.now();

  constructor(
    readonly pod: FakePod,
    private profile: TrafficProfile,
  ) {}

  /** A restarted pod: its counters start again from zero. */
  restart(): void {
    this.advance();
    for (const counts of Object.values(this.counts)) counts.clear();
  }

  switchTo(profile: TrafficProfile): void {
    this.advance();
    this.profile = profile;
  }

  private random: (() => number) | undefined;
  /** The fraction of a request a seeded profile has not yet drawn. */
  private owed = 0;

  /** Adds the requests served since the last call, at the current profile. */
  advance(): void {
    const now = Date.now();
    const requests = (this.profile.requestsPerSecond * (now - this.since)) / 1000;
    this.since = now;
    if (requests === 0) return;
    if (this.profile.seed !== undefined) {
      this.random ??= seededRandom(this.profile.seed);
      this.draw(requests, this.random);
      return;
    }
    for (const { ms, weight } of this.profile.latencies) {
      const add = (code: StatusCode, share: number) => {
        if (share > 0)
          this.counts[code].set(ms, (this.counts[code].get(ms) ?? 0) + requests * weight * share);
      };
      const notFound = this.profile.notFoundRatio ?? 0;
      add('200', 1 - this.profile.errorRatio - notFound);
      add('404', notFound);
      add('503', this.profile.errorRatio);
    }
  }

  /** Whole requests, each with a latency drawn by weight and a status drawn by the error ratio. */
  private draw(requests: number, random: () => number): void {
    this.owed += requests;
    for (; this.owed >= 1; this.owed -= 1) {
      const pick = random();
      let below = 0;
      const mass =
        this.profile.latencies.find(({ weight }) => {
          below += weight;
          return pick < below;
        }) ?? this.profile.latencies.at(-1);
      if (!mass) return;
      const code: StatusCode = random() < this.profile.errorRatio ? '503' : '200';
      this.counts[code].set(mass.ms, (this.counts[code].get(mass.ms) ?? 0) + 1);
    }
  }

  /** Codes that have seen requests: like real exporters, series appear with the first request. */
  codes(): StatusCode[] {
    return (['200', '404', '503'] as const).filter((code) => this.counts[code].size > 0);
  }

  histogram(code: StatusCode, boundsMs: readonly number[]) {
    const entries = [...this.counts[code]];
    const count = entries.reduce((total, [, n]) => total + n, 0);
    const sumMs = entries.reduce((total, [ms, n]) => total + ms * n, 0);
    const buckets = boundsMs.map((bound) =>
      entries.filter(([ms]) => ms <= bound).reduce((t, [, n]) => t + n, 0),
    );
    return { count, sumMs, buckets };
  }
}

function labels(set: Readonly<Record<string, string>>): string {
  const escapeValue = (value: string) =>
    value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.entries(set)
    .map(([name, value]) => `${name}="${escapeValue(value)}"`)
    .join(',')}}`;
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram'): this {
    this.lines.push(`# HELP ${name} Fake ${name} for Shadowgate's tests.`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, set: Readonly<Record<string, string>>, value: number): this {
    this.lines.push(`${name}${labels(set)} ${value}`);
    return this;
  }

  histogram(
    name: string,
    set: Readonly<Record<string, string>>,
    data: { count: number; sum: number; buckets: number[] },
    bounds: readonly number[],
  ): this {
    bounds.forEach((bound, i) => {
      this.sample(`${name}_bucket`, { ...set, le: String(bound) }, data.buckets[i] ?? 0);
    });
    return this.sample(`${name}_bucket`, { ...set, le: '+Inf' }, data.count)
      .sample(`${name}_sum`, set, data.sum)
      .sample(`${name}_count`, set, data.count);
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function istioLabels(
  pod: FakePod,
  reporter: 'source' | 'destination',
  code: StatusCode,
): Record<string, string> {
  const { namespace, revision } = pod;
  return {
    reporter,
    source_workload: 'istio-ingressgateway',
    source_workload_namespace: 'istio-system',
    source_principal: 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
    source_app: 'istio-ingressgateway',
    source_version: 'unknown',
    source_canonical_service: 'istio-ingressgateway',
    source_canonical_revision: 'latest',
    source_cluster: 'Kubernetes',
    destination_workload: `${revision}-deployment`,
    destination_workload_namespace: namespace,
    destination_principal: `spiffe://cluster.local/ns/${namespace}/sa/default`,
    destination_app: revision,
    destination_version: 'unknown',
    destination_service: `${revision}-private.${namespace}.svc.cluster.local`,
    destination_service_name: `${revision}-private`,
    destination_service_namespace: namespace,
    destination_canonical_service: revision,
    destination_canonical_revision: 'latest',
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
    response_code: code,
    grpc_response_status: '',
    response_flags: '-',
    connection_security_policy: reporter === 'destination' ? 'mutual_tls' : 'unknown',
  };
}

function exposition(traffic: PodTraffic): string {
  const { pod } = traffic;
  const podName = `${pod.revision}-deployment-7d9f8b6c5-x2x4z`;
  const out = new Exposition();
  const codes = traffic.codes();

  // Istio. The gateway's `reporter="source"` view is here too, doubled, so a query that does not select
  // the destination reporter counts wrong.
  out.family('istio_requests_total', 'counter');
  for (const code of codes) {
    const { count } = traffic.histogram(code, []);
    out.sample('istio_requests_total', istioLabels(pod, 'destination', code), count);
    out.sample('istio_requests_total', istioLabels(pod, 'source', code), 2 * count);
  }
  out.family('istio_request_duration_milliseconds', 'histogram');
  for (const code of codes) {
    const data = traffic.histogram(code, ISTIO_BUCKETS_MS);
    out.histogram(
      'istio_request_duration_milliseconds',
      istioLabels(pod, 'destination', code),
      { ...data, sum: data.sumMs },
      ISTIO_BUCKETS_MS,
    );
  }

  // Knative ≤ 1.18 queue-proxy (OpenCensus), in ms.
  const legacy = (code: StatusCode) => ({
    configuration_name: pod.service,
    container_name: 'queue-proxy',
    namespace_name: pod.namespace,
    pod_name: podName,
    response_code: code,
    response_code_class: `${code[0]}xx`,
    revision_name: pod.revision,
    service_name: pod.service,
  });
  out.family('revision_app_request_count', 'counter');
  for (const code of codes) {
    out.sample('revision_app_request_count', legacy(code), traffic.histogram(code, []).count);
  }
  out.family('revision_app_request_latencies', 'histogram');
  for (const code of codes) {
    const data = traffic.histogram(code, KNATIVE_LEGACY_BUCKETS_MS);
    out.histogram(
      'revision_app_request_latencies',
      legacy(code),
      { ...data, sum: data.sumMs },
      KNATIVE_LEGACY_BUCKETS_MS,
    );
  }

  // Knative ≥ 1.21 queue-proxy (OpenTelemetry), in s; the revision is a resource attribute on target_info.
  out.family('kn_serving_invocation_duration_seconds', 'histogram');
  const otelBoundsMs = KNATIVE_OTEL_BUCKETS_S.map((s) => s * 1000);
  for (const code of codes) {
    const data = traffic.histogram(code, otelBoundsMs);
    out.histogram(
      'kn_serving_invocation_duration_seconds',
      {
        http_response_status_code: code,
        otel_scope_name: 'knative.dev/serving/pkg/queue',
        otel_scope_version: '',
      },
      { ...data, sum: data.sumMs / 1000 },
      KNATIVE_OTEL_BUCKETS_S,
    );
  }
  out.family('target_info', 'gauge').sample(
    'target_info',
    {
      k8s_namespace_name: pod.namespace,
      k8s_pod_name: podName,
      kn_configuration_name: pod.service,
      kn_revision_name: pod.revision,
      kn_service_name: pod.service,
      service_name: 'queue-proxy',
    },
    1,
  );
  return out.toString();
}

/** The fake pods, each on its own 127.0.0.1 port (its own scrape target, as the `target_info` join needs). */
export class MetricsExporter {
  private constructor(
    private readonly pods: readonly { traffic: PodTraffic; server: Server; target: string }[],
  ) {}

  static async start(pods: readonly FakePod[]): Promise<MetricsExporter> {
    const started = await Promise.all(
      pods.map(async (pod) => {
        const traffic = new PodTraffic(pod, pod.profile);
        const server = createServer((request, response) => {
          if (request.url !== '/metrics') {
            response.writeHead(404).end();
            return;
          }
          traffic.advance();
          // Prometheus 3 refuses scrapes without a valid Content-Type.
          response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
          response.end(exposition(traffic));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        return { traffic, server, target: `127.0.0.1:${port}` };
      }),
    );
    return new MetricsExporter(started);
  }

  /** `host:port` of every pod, to scrape. */
  get targets(): string[] {
    return this.pods.map(({ target }) => target);
  }

  /** Changes a revision's traffic from now on (e.g. to NO_TRAFFIC). */
  switchProfile(namespace: string, revision: string, profile: TrafficProfile): void {
    this.traffic(namespace, revision).switchTo(profile);
  }

  /** Restarts a revision's pod: its counters reset to zero, as a real exporter's do. */
  restart(namespace: string, revision: string): void {
    this.traffic(namespace, revision).restart();
  }

  private traffic(namespace: string, revision: string): PodTraffic {
    const pod = this.pods.find(
      ({ traffic }) => traffic.pod.namespace === namespace && traffic.pod.revision === revision,
    );
    if (!pod) throw new Error(`no fake pod for ${namespace}/${revision}`);
    return pod.traffic;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.pods.map(({ server }) => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        return closed;
      }),
    );
  }
}
