#!/usr/bin/env node
// samples/app: a small HTTP service with a known latency distribution and error rate, for the demo, the tests
// and the benchmarks. No dependencies; runs on any Node.js ≥ 18.
//
//   node samples/app/server.mjs [--port 8080] [--latency 10:0.5,50:0.4,200:0.1] [--errors 0.01]
//                               [--error-status 500] [--seed 1] [--name live] [--namespace shop]
//
// --latency   a discrete mixture `ms:weight,…` (weights are normalised); each request waits one draw.
//             `0` answers at once. Default: 0.
// --errors    share of requests answered with --error-status (default 500) instead of 200. Default: 0.
// --seed      draws come from a seeded generator, so a run's sequence of delays and errors is reproducible.
// --port      default: $PORT, else 8080; 0 picks a free port. The first stdout line names the address.
//
// --name      names the instance in its answers and, in `GET /metrics`, is its `destination_workload`;
// --namespace its `destination_workload_namespace` (default: default).
// --in-pod    as a Kubernetes pod (the test cluster's app image): --name is the Deployment's name, read from the
//             pod name in HOSTNAME (`<deployment>-<hash>-<id>`, as Istio names destination_workload), and
//             --namespace the pod's, from its ServiceAccount volume.
//
// Every path answers the same way, except `GET /healthz` (200 at once, not counted), `GET /__stats`
// (what this instance received: requests by method, errors answered) and `GET /metrics` (not counted): the
// request metrics an Istio sidecar would report for this workload (`istio_requests_total` and
// `istio_request_duration_milliseconds`, reporter="destination", by response_code), so a Prometheus can judge it
// as it would a pod in the mesh.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    latency: { type: 'string', default: '0' },
    errors: { type: 'string', default: '0' },
    'error-status': { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    name: { type: 'string', default: 'app' },
    namespace: { type: 'string', default: 'default' },
    'in-pod': { type: 'boolean', default: false },
  },
});

if (values['in-pod']) {
  values.name = (process.env.HOSTNAME ?? values.name).replace(/-[a-z0-9]+-[a-z0-9]+$/, '');
  try {
    values.namespace = readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  } catch {
    // No ServiceAccount volume (automountServiceAccountToken: false): keep --namespace.
  }
}

/** `10:0.5,50:0.5` → cumulative table [{ms, upTo}]. */
function parseMixture(text) {
  const parts = text.split(',').map((part) => {
    const [ms, weight = '1'] = part.split(':');
    const entry = { ms: Number(ms), weight: Number(weight) };
    if (!(entry.ms >= 0 && entry.weight > 0))
      throw new Error(`--latency: bad entry "${part}"; e.g. 10:0.5,50:0.5`);
    return entry;
  });
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  let cumulative = 0;
  return parts.map(({ ms, weight }) => {
    cumulative += weight / total;
    return { ms, upTo: cumulative };
  });
}

/** mulberry32: small, fast, and good enough to draw delays reproducibly. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mixture = parseMixture(values.latency);
const errorRatio = Number(values.errors);
const errorStatus = Number(values['error-status']);
if (!(errorRatio >= 0 && errorRatio <= 1)) throw new Error('--errors must be a ratio in [0, 1], e.g. 0.01');
const random = seededRandom(Number(values.seed));
const stats = { requests: 0, errors: 0, byMethod: {} };
const body = Buffer.from(`{"app":${JSON.stringify(values.name)}}`);
const errorBody = Buffer.from('{"error":"injected"}');

function drawDelay() {
  const r = random();
  return (mixture.find((entry) => r < entry.upTo) ?? mixture.at(-1)).ms;
}

/** Envoy's default histogram bounds (ms), which Istio keeps. */
const ISTIO_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];
/** Per response code: answered requests, the sum of their latencies (ms), and the count at or below each bound. */
const istioByCode = new Map();

function recordIstio(code, ms) {
  let entry = istioByCode.get(code);
  if (!entry) {
    entry = { count: 0, sumMs: 0, buckets: ISTIO_BUCKETS_MS.map(() => 0) };
    istioByCode.set(code, entry);
  }
  entry.count++;
  entry.sumMs += ms;
  ISTIO_BUCKETS_MS.forEach((bound, i) => {
    if (ms <= bound) entry.buckets[i]++;
  });
}

function istioExposition() {
  const quote = (value) => JSON.stringify(String(value));
  const labels = (code, extra = '') =>
    `{reporter="destination",destination_workload=${quote(values.name)},` +
    `destination_workload_namespace=${quote(values.namespace)},response_code="${code}"${extra}}`;
  const lines = ['# TYPE istio_requests_total counter'];
  for (const [code, { count }] of istioByCode) lines.push(`istio_requests_total${labels(code)} ${count}`);
  lines.push('# TYPE istio_request_duration_milliseconds histogram');
  for (const [code, { count, sumMs, buckets }] of istioByCode) {
    ISTIO_BUCKETS_MS.forEach((bound, i) => {
      lines.push(`istio_request_duration_milliseconds_bucket${labels(code, `,le="${bound}"`)} ${buckets[i]}`);
    });
    lines.push(`istio_request_duration_milliseconds_bucket${labels(code, ',le="+Inf"')} ${count}`);
    lines.push(`istio_request_duration_milliseconds_sum${labels(code)} ${sumMs}`);
    lines.push(`istio_request_duration_milliseconds_count${labels(code)} ${count}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function answer(response, status, payload) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.length });
  response.end(payload);
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/healthz') return answer(response, 200, body);
  if (request.method === 'GET' && request.url === '/__stats') {
    return answer(response, 200, Buffer.from(JSON.stringify(stats)));
  }
  if (request.method === 'GET' && request.url === '/metrics') {
    const payload = istioExposition();
    // Prometheus 3 refuses scrapes without a valid Content-Type.
    response.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'content-length': payload.length,
    });
    return response.end(payload);
  }
  const started = performance.now();
  stats.requests++;
  stats.byMethod[request.method] = (stats.byMethod[request.method] ?? 0) + 1;
  const delay = drawDelay();
  const failed = random() < errorRatio;
  if (failed) stats.errors++;
  // The body is read (and dropped) before answering, as a real handler would.
  request.resume();
  const status = failed ? errorStatus : 200;
  const reply = () => {
    answer(response, status, failed ? errorBody : body);
    recordIstio(status, performance.now() - started);
  };
  if (delay > 0) setTimeout(reply, delay);
  else request.once('end', reply);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  console.log(`${values.name} listening on http://${values.host}:${port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
