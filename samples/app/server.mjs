#!/usr/bin/env node
// samples/app: a small HTTP service with a known latency distribution and error rate, for the demo, the tests
// and the benchmarks. No dependencies; runs on any Node.js ≥ 18.
//
//   node samples/app/server.mjs [--port 8080] [--latency 10:0.5,50:0.4,200:0.1] [--errors 0.01]
//                               [--error-status 500] [--seed 1] [--name live] [--namespace shop]
//                               [--shop] [--change 'GET /products/42 $.price=21.99']…
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
// --shop      answers `GET /products`, `GET /products/<1-50>` and `GET /cart` with a small shop's JSON, the same in
//             every copy except two fields that differ on every answer, as real ones do: `servedAt` (the time) and
//             `traceId` (random), plus an `x-request-id` header. Unknown products are 404.
// --change    'METHOD /path $.field=JSON': that request's JSON answer has that top-level or nested field set to
//             that value (repeatable), e.g. `--change 'GET /products/42 $.price=21.99'`: a version whose only
//             regression is one changed field. `$.field=` with nothing after it removes the field.
//
// Every path answers the same way, except `GET /healthz` (200 at once, not counted), `GET /__stats`
// (what this instance received: requests by method, errors answered) and `GET /metrics` (not counted): the
// request metrics an Istio sidecar would report for this workload (`istio_requests_total` and
// `istio_request_duration_milliseconds`, reporter="destination", by response_code), so a Prometheus can judge it
// as it would a pod in the mesh.
import { randomBytes } from 'node:crypto';
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
    shop: { type: 'boolean', default: false },
    change: { type: 'string', multiple: true, default: [] },
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

/** `GET /products/42 $.price=21.99` → {key: 'GET /products/42', path: ['price'], value: 21.99}. */
function parseChange(text) {
  const match = /^([A-Z]+) (\/\S*) \$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)=(.*)$/.exec(text);
  if (!match)
    throw new Error(
      `--change: "${text}" is not 'METHOD /path $.field=JSON', e.g. 'GET /products/42 $.price=21.99'`,
    );
  const [, method, path, fields, json] = match;
  return {
    key: `${method} ${path}`,
    path: fields.slice(1).split('.'),
    value: json === '' ? undefined : JSON.parse(json),
  };
}
const changes = values.change.map(parseChange);

/** The shop's answer to a GET, or undefined for paths it does not have. */
function shopAnswer(path) {
  const product = (id) => ({
    id,
    name: `Product ${id}`,
    price: Number((4.99 + ((id * 37) % 90)).toFixed(2)),
    currency: 'EUR',
    tags: id % 2 ? ['kitchen'] : ['garden', 'outdoor'],
    stock: (id * 7) % 13,
  });
  const noise = () => ({ servedAt: new Date().toISOString(), traceId: randomBytes(8).toString('hex') });
  if (path === '/products') {
    return { status: 200, json: { products: [1, 2, 3].map(product), count: 3, ...noise() } };
  }
  const match = /^\/products\/(\d+)$/.exec(path);
  if (match) {
    const id = Number(match[1]);
    if (id >= 1 && id <= 50) return { status: 200, json: { ...product(id), ...noise() } };
    return { status: 404, json: { error: 'no such product', id } };
  }
  if (path === '/cart') {
    return { status: 200, json: { items: [{ sku: 42, quantity: 1 }], total: product(42).price, ...noise() } };
  }
  return undefined;
}

/** Applies the --change rules for this request to its JSON answer. */
function changed(key, json) {
  for (const change of changes) {
    if (change.key !== key) continue;
    let node = json;
    for (const field of change.path.slice(0, -1)) node = node[field] ??= {};
    const last = change.path.at(-1);
    if (change.value === undefined) delete node[last];
    else node[last] = change.value;
  }
  return json;
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

function answer(response, status, payload, headers = {}) {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': payload.length,
    ...headers,
  });
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
    const path = request.url.split('?')[0];
    const shop = values.shop && !failed && request.method === 'GET' ? shopAnswer(path) : undefined;
    if (shop) {
      const payload = Buffer.from(JSON.stringify(changed(`GET ${path}`, shop.json)));
      answer(response, shop.status, payload, { 'x-request-id': randomBytes(8).toString('hex') });
    } else {
      answer(response, status, failed ? errorBody : body);
    }
    recordIstio(shop?.status ?? status, performance.now() - started);
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
