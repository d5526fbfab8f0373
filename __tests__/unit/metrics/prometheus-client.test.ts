import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/configuration-error.js';
import {
  PrometheusClient,
  type PrometheusClientOptions,
  type PrometheusConnection,
} from '../../../src/metrics/prometheus-client.js';
import { failure, ScriptedServer, success } from '../../support/scripted-prometheus.js';

const server = new ScriptedServer();
let url = '';
beforeAll(async () => {
  url = await server.start();
});
afterEach(() => server.reset());
afterAll(() => server.stop());

const query = { promql: 'sum(rate(http_requests_total[5m]))', input: 'queries.request-count' };
const T = 1_700_000_000_123;

function client(connection: Partial<PrometheusConnection> = {}, options: PrometheusClientOptions = {}) {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const instance = new PrometheusClient(
    {
      url,
      auth: { headers: {} },
      tls: { insecureSkipVerify: false },
      timeoutMs: 2_000,
      attempts: 3,
      ...connection,
    },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
      log: (line) => logs.push(line),
      ...options,
    },
  );
  return { instance, sleeps, logs };
}

describe('PrometheusClient', () => {
  it('POSTs the query form-encoded, pinned at the given time, with the timeout', async () => {
    server.replies = [success('12.5', ',"infos":["PromQL info: something"]')];
    const outcome = await client().instance.query(query, T);
    expect(outcome).toEqual({ status: 'ok', value: 12.5 });
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/v1/query');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      query: query.promql,
      time: '1700000000.123',
      timeout: '2',
      nocache: '1',
    });
  });

  it('keeps a path prefix of the base URL and hides its credentials in the endpoint', async () => {
    const { instance } = client({ url: `${url.replace('http://', 'http://user:pw@')}/prometheus/` });
    await instance.query(query, T);
    expect(server.requests[0]?.path).toBe('/prometheus/api/v1/query');
    expect(instance.endpoint).toBe(`${url}/prometheus`);
  });

  it('retries a 500 with backoff, then reads the value', async () => {
    server.replies = [failure(500, 'internal', 'boom'), success('3')];
    const { instance, sleeps, logs } = client();
    expect(await instance.query(query, T)).toEqual({ status: 'ok', value: 3 });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([250]);
    expect(logs).toEqual(['Prometheus query failed: HTTP 500 internal: boom; attempt 2/3 in 250 ms']);
  });

  it('retries 429 no sooner than Retry-After, and canceled as 2.42 (503) and 3.x (499) answer it', async () => {
    server.replies = [
      { status: 429, body: 'slow down', headers: { 'Retry-After': '2' } },
      failure(503, 'canceled', 'query was canceled'),
      failure(499, 'canceled', 'query was canceled'),
      success('1'),
    ];
    const { instance, sleeps } = client({ attempts: 4 });
    expect(await instance.query(query, T)).toEqual({ status: 'ok', value: 1 });
    expect(sleeps).toEqual([2000, 500, 1000]);
  });

  it('gives up after the attempts and reports a non-JSON error body by status and excerpt', async () => {
    const page = `<html><body><h1>502 Bad Gateway</h1>${' padding'.repeat(50)}</body></html>`;
    server.replies = [1, 2, 3].map(() => ({
      status: 502,
      body: page,
      headers: { 'Content-Type': 'text/html' },
    }));
    const { instance, sleeps } = client();
    const outcome = await instance.query(query, T);
    expect(outcome.status).toBe('unavailable');
    expect('reason' in outcome && outcome.reason).toMatch(
      new RegExp(
        `^Prometheus at ${url}: HTTP 502: <html><body><h1>502 Bad Gateway</h1> padding.*… \\(3 attempts\\)$`,
      ),
    );
    expect(sleeps).toEqual([250, 500]);
  });

  it('does not retry bad_data: it is a configuration error quoting the type, message and query', async () => {
    server.replies = [
      failure(400, 'bad_data', 'invalid parameter "query": 1:5: parse error: unexpected <EOF>'),
    ];
    const error = await client()
      .instance.query(query, T)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('queries.request-count');
    expect((error as Error).message).toBe(
      'Invalid queries.request-count: Prometheus rejected the query (bad_data: invalid parameter "query": ' +
        `1:5: parse error: unexpected <EOF>):\n  ${query.promql}`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('reads an execution error as no data for this iteration', async () => {
    server.replies = [failure(422, 'execution', 'found duplicate series for the match group')];
    expect(await client().instance.query(query, T)).toEqual({
      status: 'no-data',
      reason:
        'Prometheus could not evaluate the query (HTTP 422 execution: found duplicate series for the match group)',
    });
  });

  it('retries a request that times out, within the attempts', async () => {
    server.replies = ['hang', 'hang'];
    const outcome = await client({ timeoutMs: 200, attempts: 2 }).instance.query(query, T);
    expect(outcome).toEqual({
      status: 'unavailable',
      reason: `Prometheus at ${url}: no answer within 200 ms (2 attempts)`,
    });
  });

  it('reports a closed port as unavailable, and as unreachable: no attempt got a connection', async () => {
    const closed = new ScriptedServer();
    const closedUrl = await closed.start();
    await closed.stop();
    const outcome = await client({ url: closedUrl, attempts: 2 }).instance.query(query, T);
    expect(outcome).toEqual({
      status: 'unavailable',
      reason: `Prometheus at ${closedUrl}: network error ECONNREFUSED (connection refused) (2 attempts)`,
      unreachable: true,
    });
  });

  it('resolves as unavailable when aborted, in a request or between attempts', async () => {
    server.replies = ['hang'];
    const controller = new AbortController();
    const pending = client().instance.query(query, T, controller.signal);
    setTimeout(() => controller.abort(new Error('run cancelled')), 50);
    expect(await pending).toEqual({ status: 'unavailable', reason: 'aborted: run cancelled' });

    server.replies = [failure(500, 'internal', 'boom')];
    const between = new AbortController();
    const { instance } = client(
      {},
      {
        sleep: async () => {
          between.abort(new Error('job cancelled'));
          throw between.signal.reason;
        },
      },
    );
    expect(await instance.query(query, T, between.signal)).toEqual({
      status: 'unavailable',
      reason: 'aborted: job cancelled',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('sends a bearer token and extra headers, and never logs them', async () => {
    server.replies = [failure(503, 'unavailable', 'not ready'), success('1')];
    const { instance, logs } = client({
      auth: { bearerToken: 's3cr3t-token', headers: { 'X-Scope-OrgID': 'tenant-a' } },
    });
    await instance.query(query, T);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer s3cr3t-token');
    expect(server.requests[0]?.headers['x-scope-orgid']).toBe('tenant-a');
    expect(logs.join('\n')).not.toContain('s3cr3t');
  });

  it('sends basic auth', async () => {
    await client({ auth: { basic: { username: 'grafana', password: 'p:ss' }, headers: {} } }).instance.query(
      query,
      T,
    );
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('grafana:p:ss').toString('base64')}`,
    );
  });

  it('rejects refused credentials and a URL that is not the API as configuration errors', async () => {
    server.replies = [{ status: 401, body: 'Unauthorized' }];
    await expect(client().instance.query(query, T)).rejects.toMatchObject({ input: 'prometheus.auth' });
    server.replies = [{ status: 404, body: '404 page not found' }];
    await expect(client().instance.query(query, T)).rejects.toThrow(/without \/api\/v1/);
    server.replies = [{ status: 200, body: '<html>Grafana</html>' }];
    await expect(client().instance.query(query, T)).rejects.toMatchObject({ input: 'prometheus.url' });
    expect(() => client({ url: 'prometheus:9090' })).toThrow(ConfigurationError);
  });
});
