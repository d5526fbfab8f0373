import { Agent } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { rootCertificates } from 'node:tls';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { PrometheusConfig } from '../core/config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import { awsCredentialSecrets } from '../secrets.js';
import { type BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import {
  type BucketCounts,
  type InstantValue,
  parseEnvelope,
  readBucketCounts,
  readInstantValue,
} from './prometheus-response.js';
import type { PromqlQuery } from './prometheus-templates.js';
import type { SigV4Signer } from './sigv4-signer.js';

export type PrometheusConnection = Pick<PrometheusConfig, 'url' | 'auth' | 'tls' | 'timeoutMs' | 'attempts'>;

export interface PrometheusClientOptions {
  /** Waits between attempts; injected so tests need not wait. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1), for the backoff jitter. */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** Receives a line per retry. Lines never contain credentials. */
  readonly log?: (line: string) => void;
  /** Masks a credential obtained at run time (AWS credentials for SigV4) before anything could print it. */
  readonly mask?: (secret: string) => void;
}

/**
 * A backend that stayed down past the retry budget; `unreachable` when no attempt got as far as a connection
 * (refused, host not found, no route).
 */
type Unavailable = {
  readonly status: 'unavailable';
  readonly reason: string;
  readonly unreachable?: boolean;
};
type NoData = { readonly status: 'no-data'; readonly reason: string };

/** An instant query's outcome: a value, no data, or a backend that stayed down past the retry budget. */
export type QueryOutcome = InstantValue | Unavailable;

/** How an answer's `data` is read: one value, or the buckets of a histogram. */
type DataReader<T> = (data: unknown, query: PromqlQuery) => T;

type Attempt<T> =
  | { readonly done: T | NoData | Unavailable }
  | { readonly retry: string; readonly retryAfterMs?: number; readonly unreachable?: boolean };

/** Network errors that mean no connection was made at all, with what they mean in words. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
};

/** A client for `POST /api/v1/query` of Prometheus 2.x and 3.x (and API-compatible servers). */
export class PrometheusClient {
  /** The base URL without credentials, for reports and messages. */
  readonly endpoint: string;
  private readonly queryUrl: string;
  private readonly http: AxiosInstance;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly log: (line: string) => void;
  private readonly mask: (secret: string) => void;
  private signer?: Promise<SigV4Signer>;

  constructor(
    private readonly connection: PrometheusConnection,
    options: PrometheusClientOptions = {},
  ) {
    const base = parseBaseUrl(connection.url);
    this.queryUrl = new URL('api/v1/query', base).href;
    this.endpoint = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
    this.http = axios.create({
      headers: { Accept: 'application/json', ...authHeaders(connection.auth) },
      timeout: connection.timeoutMs,
      ...(base.protocol === 'https:' ? { httpsAgent: httpsAgent(connection.tls) } : {}),
      // The body is parsed here, so non-JSON answers from proxies can be reported as they are.
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
    });
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : undefined));
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.log = options.log ?? (() => {});
    this.mask = options.mask ?? (() => {});
  }

  /**
   * Evaluates `query` at `timeMs` (epoch ms), retrying outages with backoff. Rejects only with a
   * ConfigurationError, when the query or the connection settings are wrong; an abort through `signal`
   * resolves as unavailable, so the caller's loop stops at its next wait.
   */
  query(query: PromqlQuery, timeMs: number, signal?: AbortSignal): Promise<QueryOutcome> {
    return this.send(query, timeMs, readInstantValue, signal);
  }

  /** Like `query`, for a `sum by (le)` query: the histogram's cumulative counts per bucket. */
  queryBuckets(
    query: PromqlQuery,
    timeMs: number,
    signal?: AbortSignal,
  ): Promise<BucketCounts | Unavailable> {
    return this.send(query, timeMs, readBucketCounts, signal);
  }

  private async send<T>(
    query: PromqlQuery,
    timeMs: number,
    read: DataReader<T>,
    signal?: AbortSignal,
  ): Promise<T | NoData | Unavailable> {
    const attempts = Math.max(1, this.connection.attempts);
    let reached = false;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(query, timeMs, read, signal);
      if ('done' in outcome) return outcome.done;
      reached ||= outcome.unreachable !== true;
      if (attempt >= attempts) {
        const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
        return {
          status: 'unavailable',
          reason: `Prometheus at ${this.endpoint}: ${outcome.retry} (${tries})`,
          ...(reached ? {} : { unreachable: true }),
        };
      }
      const wait = Math.min(
        this.backoff.maxMs,
        Math.max(backoffDelayMs(this.backoff, attempt, this.random), outcome.retryAfterMs ?? 0),
      );
      this.log(`Prometheus query failed: ${outcome.retry}; attempt ${attempt + 1}/${attempts} in ${wait} ms`);
      try {
        await this.sleep(wait, signal);
      } catch (error) {
        if (signal?.aborted) return aborted(signal);
        throw error;
      }
    }
  }

  private async attempt<T>(
    query: PromqlQuery,
    timeMs: number,
    read: DataReader<T>,
    signal?: AbortSignal,
  ): Promise<Attempt<T>> {
    const form = new URLSearchParams({
      query: query.promql,
      time: (timeMs / 1000).toFixed(3),
      timeout: String(this.connection.timeoutMs / 1000),
      // VictoriaMetrics evaluates a query within -search.latencyOffset (30 s) of its clock 30 s in the past,
      // so the newest data of a window would be missing, unless asked not to; other backends ignore the arg.
      nocache: '1',
    });
    const body = form.toString();
    let headers: Record<string, string>;
    try {
      headers = await this.requestHeaders(body);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      return {
        retry: `no AWS credentials to sign with (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    let response: AxiosResponse<string>;
    try {
      response = await this.http.post(this.queryUrl, body, { headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) return { done: aborted(signal) };
      return this.transportProblem(error);
    }
    return this.interpret(response, query, read);
  }

  /** The per-request headers; with SigV4, signed (the AWS code is loaded only then). */
  private async requestHeaders(body: string): Promise<Record<string, string>> {
    const headers = { ...this.connection.auth.headers, 'Content-Type': 'application/x-www-form-urlencoded' };
    const { sigv4 } = this.connection.auth;
    if (sigv4 === undefined) return headers;
    this.signer ??= import('./sigv4-signer.js').then(
      ({ MANAGED_PROMETHEUS_SERVICE, runnerCredentials, SigV4Signer }) =>
        new SigV4Signer({
          region: sigv4.region,
          service: MANAGED_PROMETHEUS_SERVICE,
          credentials: runnerCredentials(sigv4, (credentials) => {
            for (const secret of awsCredentialSecrets(credentials)) this.mask(secret);
          }),
        }),
    );
    return (await this.signer).sign({ method: 'POST', url: this.queryUrl, headers, body });
  }

  private transportProblem(error: unknown): Attempt<never> {
    if (!axios.isAxiosError(error)) throw error;
    const code = error.code ?? '';
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return { retry: `no answer within ${this.connection.timeoutMs} ms` };
    }
    const unreachable = UNREACHABLE[code];
    if (unreachable !== undefined)
      return { retry: `network error ${code} (${unreachable})`, unreachable: true };
    if (/CERT|SIGNATURE|ISSUER|SELF_SIGNED|TLS|SSL/.test(code)) {
      throw new ConfigurationError(
        'prometheus.tls',
        `the TLS connection to ${this.endpoint} failed (${code}: ${error.message}); ` +
          'trust its CA with the CA bundle, or skip verification for a test server',
        'caBundle: <PEM of the CA that signed the Prometheus certificate>',
      );
    }
    return { retry: `network error ${code || error.message}` };
  }

  private interpret<T>(response: AxiosResponse<string>, query: PromqlQuery, read: DataReader<T>): Attempt<T> {
    const { status } = response;
    const body = typeof response.data === 'string' ? response.data : '';
    const envelope = parseEnvelope(body);
    const problem =
      envelope?.status === 'error'
        ? `HTTP ${status} ${envelope.errorType ?? 'error'}: ${envelope.error ?? ''}`
        : `HTTP ${status}${excerpt(body)}`;

    if (status >= 200 && status < 300 && envelope?.status === 'success') {
      return { done: read(envelope.data, query) };
    }
    if (status === 408 || status === 429 || status === 499 || status >= 500) {
      return { retry: problem, ...retryAfter(response) };
    }
    if (status === 400 && envelope?.status === 'error') {
      throw new ConfigurationError(
        query.input,
        `Prometheus rejected the query (${envelope.errorType}: ${envelope.error ?? ''}):\n  ${query.promql}`,
      );
    }
    if (status === 422) {
      // `execution` errors (e.g. duplicate series in a join) can depend on the data: not this run's end.
      return { done: { status: 'no-data', reason: `Prometheus could not evaluate the query (${problem})` } };
    }
    if (status === 401 || status === 403) {
      if (this.connection.auth.sigv4 !== undefined) {
        throw new ConfigurationError(
          'prometheus-auth',
          `${this.endpoint} refused the SigV4-signed request (${problem}); the region must be the workspace's, ` +
            'and the credentials (or aws-role-arn) need permission aps:QueryMetrics',
          '{"Effect": "Allow", "Action": "aps:QueryMetrics", "Resource": "arn:aws:aps:us-east-1:123456789012:workspace/ws-…"}',
        );
      }
      throw new ConfigurationError(
        'prometheus.auth',
        `${this.endpoint} refused the credentials (${problem})`,
        'a bearer token, basic auth, or headers such as X-Scope-OrgID',
      );
    }
    throw new ConfigurationError(
      'prometheus.url',
      `${this.endpoint}/api/v1/query did not answer as the Prometheus API (${problem}); ` +
        'the URL is the server base, without /api/v1',
      'http://prometheus.monitoring.svc:9090',
    );
  }
}

function aborted(signal: AbortSignal): Unavailable {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  return { status: 'unavailable', reason: `aborted: ${reason}` };
}

function parseBaseUrl(url: string): URL {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new ConfigurationError(
      'prometheus.url',
      'not an absolute URL',
      'http://prometheus.monitoring.svc:9090',
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ConfigurationError(
      'prometheus.url',
      `unsupported scheme ${base.protocol}`,
      'https://prometheus.example.com',
    );
  }
  return base;
}

function authHeaders(auth: PrometheusConfig['auth']): Record<string, string> {
  const headers: Record<string, string> = { ...auth.headers };
  if (auth.bearerToken !== undefined) headers.Authorization = `Bearer ${auth.bearerToken}`;
  else if (auth.basic !== undefined) {
    const pair = `${auth.basic.username}:${auth.basic.password}`;
    headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  }
  return headers;
}

/** Trusts the system roots plus the configured bundle (Node's `ca` option replaces the roots otherwise). */
function httpsAgent(tls: PrometheusConfig['tls']): Agent {
  return new Agent({
    ...(tls.caBundle === undefined ? {} : { ca: [...rootCertificates, tls.caBundle] }),
    rejectUnauthorized: !tls.insecureSkipVerify,
  });
}

function retryAfter(response: AxiosResponse): { retryAfterMs?: number } {
  const seconds = Number(response.headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {};
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
