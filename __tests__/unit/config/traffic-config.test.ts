import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/build-config.js';
import type { ConfigDependencies } from '../../../src/config/config-dependencies.js';
import { errorOf, filesystem } from './fixture-files.js';

const LOCAL: Readonly<Record<string, string>> = {
  service: 'checkout',
  metrics: 'builtin',
  'live-command': 'node samples/app/server.mjs',
  'dark-url': 'http://127.0.0.1:8081',
  objectives: 'p95-latency < 100ms\np99-latency <= live + 20%',
};

const FILES = filesystem({
  'requests.yaml': '- GET /a\n- {path: /b, weight: 3}\n',
  'paths.txt': '# recorded from the access log\n/products/1\n\nPOST /cart\n/products/2?x=1\n',
  'experiment.yaml': [
    'apiVersion: shadowgate.dev/v1alpha1',
    'kind: Experiment',
    'target: {service: checkout}',
    'metrics: builtin',
    'traffic:',
    '  live: {url: "http://127.0.0.1:8080/api/"}',
    '  dark: {command: node server.js --slow}',
    '  startTimeout: 5s',
    '  requestTimeout: 2s',
    '  mirror: {mode: builtin, percent: 12.5, unsafeMethods: true, port: 18000}',
    '  load:',
    '    rate: 250',
    '    concurrency: 16',
    '    method: put',
    '    headers: {Authorization: Bearer x}',
    '    body: {sku: 1}',
    '    requests: [/a, {method: GET, path: /b, body: "", weight: 2}]',
    'objectives: [error-rate < 1%]',
  ].join('\n'),
});

function build(inputs: Readonly<Record<string, string>>, deps: ConfigDependencies = FILES) {
  return buildConfig((name) => inputs[name] ?? '', deps);
}

describe('traffic settings', () => {
  it('builtin metrics need no Prometheus, namespace or revisions, and mirror builtin by default', () => {
    const config = build(LOCAL);
    expect(config.metrics).toBe('builtin');
    expect(config.prometheus).toBeUndefined();
    expect(config.plan.target).toEqual({
      namespace: 'local',
      service: 'checkout',
      darkRevision: 'dark',
      liveRevision: 'live',
    });
    expect(config.traffic).toEqual({
      live: { command: 'node samples/app/server.mjs' },
      dark: { url: 'http://127.0.0.1:8081' },
      mirror: { kind: 'builtin', percent: 100, unsafeMethods: false, port: 0 },
      startTimeoutMs: 30_000,
      requestTimeoutMs: 10_000,
    });
  });

  it('reads every traffic field from an experiment file', () => {
    const config = build({ experiment: 'experiment.yaml' });
    expect(config.traffic).toEqual({
      live: { url: 'http://127.0.0.1:8080/api' },
      dark: { command: 'node server.js --slow' },
      mirror: { kind: 'builtin', percent: 12.5, unsafeMethods: true, port: 18000 },
      load: {
        ratePerSecond: 250,
        concurrency: 16,
        requests: [
          { method: 'PUT', path: '/a', headers: { Authorization: 'Bearer x' }, body: '{"sku":1}', weight: 1 },
          { method: 'GET', path: '/b', headers: { Authorization: 'Bearer x' }, body: '', weight: 2 },
        ],
      },
      startTimeoutMs: 5000,
      requestTimeoutMs: 2000,
    });
  });

  it('sends GET / by default, and takes requests from an inline list, a YAML file or a file of lines', () => {
    const withLoad = { ...LOCAL, 'load-rate': '20' };
    expect(build(withLoad).traffic?.load?.requests).toEqual([
      { method: 'GET', path: '/', headers: {}, weight: 1 },
    ]);
    expect(build({ ...withLoad, 'load-requests': '- DELETE /x\n- /y' }).traffic?.load?.requests).toEqual([
      { method: 'DELETE', path: '/x', headers: {}, weight: 1 },
      { method: 'GET', path: '/y', headers: {}, weight: 1 },
    ]);
    expect(
      build({ ...withLoad, 'load-requests': 'requests.yaml' }).traffic?.load?.requests.map((r) => [
        r.path,
        r.weight,
      ]),
    ).toEqual([
      ['/a', 1],
      ['/b', 3],
    ]);
    expect(
      build({ ...withLoad, 'load-requests': 'paths.txt' }).traffic?.load?.requests.map(
        (r) => `${r.method} ${r.path}`,
      ),
    ).toEqual(['GET /products/1', 'POST /cart', 'GET /products/2?x=1']);
  });

  it('keeps Prometheus the default, still requiring its URL', () => {
    const { metrics: _, ...prometheusRun } = LOCAL;
    expect(
      errorOf(() =>
        build({
          ...prometheusRun,
          'live-command': '',
          'dark-url': '',
          namespace: 'shop',
          'dark-revision': 'v2',
          objectives: 'p95-latency < 1s',
        }),
      ).input,
    ).toBe('prometheus-url');
  });

  it('drives load at a URL with Prometheus and no proxy', () => {
    const config = build({
      namespace: 'shop',
      service: 'checkout',
      'dark-revision': 'checkout-00002',
      'prometheus-url': 'http://prometheus:9090',
      objectives: 'p95-latency < 100ms',
      'load-rate': '5',
      'load-url': 'http://checkout.shop.example',
    });
    expect(config.traffic).toMatchObject({
      mirror: { kind: 'none' },
      load: { url: 'http://checkout.shop.example', ratePerSecond: 5 },
    });
    expect(config.traffic?.live).toBeUndefined();
  });

  it('takes an https load-url, for an ingress that serves only TLS, and rejects other schemes', () => {
    const inputs = {
      namespace: 'shop',
      service: 'checkout',
      'dark-revision': 'checkout-00002',
      'prometheus-url': 'http://prometheus:9090',
      objectives: 'p95-latency < 100ms',
      'load-rate': '5',
    };
    expect(build({ ...inputs, 'load-url': 'https://checkout.shop.example/' }).traffic?.load?.url).toBe(
      'https://checkout.shop.example',
    );
    const error = errorOf(() => build({ ...inputs, 'load-url': 'ftp://checkout.shop.example' }));
    expect(error.input).toBe('load-url');
    expect(error.message).toMatch(/is not an http:\/\/ or https:\/\/ URL/);
  });

  it.each([
    [{ mirror: 'none' }, 'mirror', /must be builtin/],
    [{ 'dark-url': '' }, 'dark-url', /needs the dark version/],
    [{ 'live-command': '' }, 'live-url', /needs the live version/],
    [
      { objectives: 'queue-depth < 5', queries: '{queue-depth: up}' },
      'objectives',
      /custom metrics need metrics: prometheus/,
    ],
    [{ 'mirror-percent': '0' }, 'mirror-percent', /above 0 and at most 100/],
    [{ 'mirror-percent': '101%' }, 'mirror-percent', /above 0 and at most 100/],
    [{ 'load-rate': '-1' }, 'load-rate', /above 0/],
    [{ 'load-headers': 'X-A: 1' }, 'load-rate', /load-headers is set, but there is no load without a rate/],
    [{ 'load-rate': '5', 'load-requests': '[products]' }, 'load-requests[0]', /not a path starting with \//],
    [
      { 'load-rate': '5', 'load-requests': 'missing.yaml' },
      'load-requests',
      /neither a YAML list nor a readable file/,
    ],
    [{ 'dark-url': 'https://dark.example' }, 'dark-url', /not an http:\/\/ URL/],
    [{ 'dark-url': 'http://127.0.0.1:1/?q' }, 'dark-url', /no query/],
  ])('rejects %j on %s', (overrides, input, message) => {
    const error = errorOf(() => build({ ...LOCAL, ...overrides }));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
  });

  it('takes the proxy share from mirror-percent, which alone does not turn the cluster side on', () => {
    const config = build({ ...LOCAL, 'mirror-percent': '25%' });
    expect(config.traffic?.mirror).toMatchObject({ kind: 'builtin', percent: 25 });
    expect(config.cluster).toBeUndefined();
  });

  it('rejects local versions without the builtin proxy', () => {
    const error = errorOf(() =>
      build({
        namespace: 'shop',
        service: 'checkout',
        'dark-revision': 'v2',
        'prometheus-url': 'http://prometheus:9090',
        objectives: 'p95-latency < 100ms',
        'dark-url': 'http://127.0.0.1:8081',
      }),
    );
    expect(error.input).toBe('dark-url');
    expect(error.message).toMatch(/set mirror: builtin/);
  });

  it('accepts the demo samples', () => {
    const files: ConfigDependencies = { readFile: (path) => readFileSync(path, 'utf8') };
    const fail = build({ experiment: 'samples/demo/experiment.yaml' }, files);
    expect(fail.traffic?.load?.requests.map((r) => r.path)).toEqual(['/products', '/products/42', '/cart']);
    const pass = build({ experiment: 'samples/demo/pass.yaml' }, files);
    expect(pass.traffic?.mirror).toMatchObject({ kind: 'builtin', percent: 50, unsafeMethods: false });
    const diff = build({ experiment: 'samples/demo/diff.yaml' }, files);
    expect(diff.traffic?.liveReplica?.command).toMatch(/--shop/);
    expect(diff.traffic?.load?.replay).toEqual({
      path: 'samples/demo/traffic.har',
      format: 'auto',
      unsafeMethods: false,
    });
    expect(diff.traffic?.mirror).toMatchObject({
      compare: { ignorePaths: [[{ kind: 'descendants' }, { kind: 'key', name: 'servedAt' }]] },
    });
  });
});

describe('load targets', () => {
  // A cluster run measured by Prometheus, with no mirroring proxy on the runner.
  const CLUSTER: Readonly<Record<string, string>> = {
    namespace: 'shop',
    service: 'checkout',
    target: 'deployment',
    image: 'ghcr.io/acme/checkout:pr-42',
    'revision-suffix': 'pr42',
    router: 'istio',
    'prometheus-url': 'http://prometheus:9090',
    objectives: 'p95-latency < 100ms',
    'load-rate': '20',
  };

  it('port-forwards to the service under test by default', () => {
    const config = build({ ...CLUSTER, 'load-target': 'port-forward' });
    expect(config.traffic?.load).toEqual({
      portForward: { namespace: 'shop', service: 'checkout' },
      ratePerSecond: 20,
      concurrency: 64,
      requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
    });
    expect(config.cluster?.loadJob).toBeUndefined();
  });

  it.each([
    [
      'istio-system/istio-ingressgateway:80',
      { namespace: 'istio-system', service: 'istio-ingressgateway', port: 80 },
    ],
    ['gateway:http2', { namespace: 'shop', service: 'gateway', port: 'http2' }],
    ['ingress/kourier', { namespace: 'ingress', service: 'kourier' }],
  ])('reads load-service %s', (value, portForward) => {
    const config = build({ ...CLUSTER, 'load-target': 'port-forward', 'load-service': value });
    expect(config.traffic?.load?.portForward).toEqual(portForward);
  });

  it('runs a Job against the in-cluster URL of the service under test by default', () => {
    const config = build({
      ...CLUSTER,
      'load-target': 'job',
      'load-requests': '[/products, {method: POST, path: /cart, body: "{}", weight: 2}]',
      'request-timeout': '3s',
      interval: '10s',
      iterations: '6',
    });
    expect(config.traffic).toBeUndefined();
    expect(config.cluster?.loadJob).toEqual({
      image: 'curlimages/curl:8.11.1',
      url: 'http://checkout.shop.svc.cluster.local',
      ratePerSecond: 20,
      requests: [
        { method: 'GET', path: '/products', headers: {}, weight: 1 },
        { method: 'POST', path: '/cart', headers: {}, body: '{}', weight: 2 },
      ],
      requestTimeoutMs: 3000,
      runSeconds: 60,
    });
  });

  it('sends the Job to load-url with load-job-image', () => {
    const config = build({
      ...CLUSTER,
      'load-target': 'job',
      'load-url': 'http://istio-ingressgateway.istio-system',
      'load-job-image': 'registry.internal/tools/curl:8',
    });
    expect(config.cluster?.loadJob).toMatchObject({
      image: 'registry.internal/tools/curl:8',
      url: 'http://istio-ingressgateway.istio-system',
    });
  });

  it.each([
    [
      {
        'load-target': 'port-forward',
        target: '',
        image: '',
        'revision-suffix': '',
        router: '',
        'dark-revision': 'checkout-00002',
      },
      'load-target',
      /needs the cluster settings/,
    ],
    [
      { 'load-target': 'job', 'load-rate': '' },
      'load-rate',
      /load-target is set, but there is no load without a rate/,
    ],
    [{ 'load-target': 'port-forward', 'load-url': 'http://x.example' }, 'load-url', /remove load-url/],
    [{ 'load-service': 'gateway' }, 'load-service', /only applies with load-target port-forward/],
    [
      { 'load-target': 'port-forward', 'load-job-image': 'curl' },
      'load-job-image',
      /only applies with load-target job/,
    ],
    [
      { 'load-target': 'port-forward', 'load-service': 'a/b/c' },
      'load-service',
      /not \[namespace\/\]name\[:port\]/,
    ],
    [
      { 'load-target': 'port-forward', 'load-service': 'Gateway' },
      'load-service name',
      /not a valid Kubernetes name/,
    ],
    [
      { 'load-target': 'port-forward', 'load-service': 'gateway:0' },
      'load-service',
      /not between 1 and 65535/,
    ],
    [
      { 'load-target': 'port-forward', 'load-service': 'gateway:HTTP' },
      'load-service',
      /neither a port number nor a port name/,
    ],
    [{ 'load-target': 'tcp' }, 'load-target', /url, port-forward, job/],
  ])('rejects %j on %s', (overrides, input, message) => {
    const error = errorOf(() => build({ ...CLUSTER, ...overrides }));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
  });

  it('rejects an in-cluster load with the builtin proxy, which it would never pass', () => {
    const error = errorOf(() =>
      build({
        ...CLUSTER,
        mirror: 'builtin',
        'live-url': 'http://127.0.0.1:8080',
        'dark-url': 'http://127.0.0.1:8081',
        'load-target': 'job',
      }),
    );
    expect(error.input).toBe('load-target');
    expect(error.message).toMatch(/never passes the builtin mirroring proxy/);
  });
});
