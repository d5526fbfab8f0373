import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import {
  DifferenceBook,
  LIVE_NO_RESPONSE,
  NOT_ATTEMPTED,
  OTHER_NO_RESPONSE,
  OVER_BUDGET,
  type RequestLabel,
} from '../compare/difference-book.js';
import { compareResponses } from '../compare/response-compare.js';
import { SecretNames } from '../compare/secret-names.js';
import type { CompareConfig } from '../core/traffic-config.js';
import { splitBaseUrl } from './base-url.js';
import { BodyCapture, CaptureBudget } from './body-capture.js';
import { dispatchRequest, type ResponseSink } from './dispatch-request.js';
import { NOT_FORWARDED } from './hop-by-hop.js';
import { type Answer, type ComparisonCodes, MirrorLog } from './mirror-log.js';
import { isUnsafeMethod, MirrorSampler } from './mirror-sampling.js';

export interface MirrorProxyOptions {
  readonly liveUrl: string;
  readonly darkUrl: string;
  /** A second copy of live, sent the mirrored requests too, whose differences from live are noise. */
  readonly replicaUrl?: string;
  /** Compare dark's (and the replica's) answers with live's. */
  readonly compare?: CompareConfig;
  /** Share of requests copied to dark, 0 < percent ≤ 100. */
  readonly percent: number;
  readonly unsafeMethods: boolean;
  /** 0 picks a free port. */
  readonly port: number;
  /** Per upstream request; a timeout answers the client 504 (live) or counts as dark's error. */
  readonly timeoutMs: number;
  /** Epoch ms, for the completion times the metrics windows select by. */
  readonly now: () => number;
}

export interface MirrorStats {
  /** Requests the proxy answered (from live). */
  received: number;
  mirrored: number;
  /** Unsafe requests (POST, PUT, PATCH, DELETE) that were not mirrored because mirroring them is off. */
  unsafeNotMirrored: number;
  /** Live requests without a response: the client got 502 or 504. */
  liveFailures: number;
  /** Dark requests without a response (never seen by the client). */
  darkFailures: number;
}

/** Request bodies are held in memory to send them twice; larger ones are refused. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Response bodies held at once for comparisons, across all requests in flight. */
export const CAPTURE_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * The builtin mirroring proxy: listens on 127.0.0.1, forwards every request to live and returns live's
 * response; copies a deterministic share of them to dark, whose response is read, measured and dropped.
 * Nothing dark does (errors, slowness, resets) reaches the client. Every mirrored pair is recorded in `log`;
 * with `compare`, the answers are compared once both are in (after live's has gone to the client) and only the
 * comparison's code is kept.
 */
export class MirrorProxy {
  readonly log: MirrorLog;
  readonly stats: MirrorStats = {
    received: 0,
    mirrored: 0,
    unsafeNotMirrored: 0,
    liveFailures: 0,
    darkFailures: 0,
  };
  private readonly sampler: MirrorSampler;
  private readonly live: Upstream;
  private readonly dark: Upstream;
  private readonly replica: Upstream | undefined;
  /** Present when comparing; the log classifies its codes. */
  private readonly book: DifferenceBook | undefined;
  /** Bodies held for comparisons in flight; nothing is held once every pair is logged. */
  readonly captured = new CaptureBudget(CAPTURE_BUDGET_BYTES);
  private readonly server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
    this.handle(request, response).catch(() => response.destroy());
  });

  private constructor(private readonly options: MirrorProxyOptions) {
    this.sampler = new MirrorSampler(options.percent);
    this.live = upstream(options.liveUrl);
    this.dark = upstream(options.darkUrl);
    this.replica = options.replicaUrl === undefined ? undefined : upstream(options.replicaUrl);
    this.book = options.compare
      ? new DifferenceBook(new SecretNames(options.compare.secretNames))
      : undefined;
    this.log = new MirrorLog(this.book);
  }

  static async start(options: MirrorProxyOptions): Promise<MirrorProxy> {
    const proxy = new MirrorProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port, '127.0.0.1', () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([this.live, this.dark, this.replica].map((target) => target?.pool.close()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (body === 'too-large') {
      response.writeHead(413).end();
      return;
    }
    this.stats.received++;
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const headers = forwardedHeaders(request.headers);
    let mirror = false;
    if (!this.options.unsafeMethods && isUnsafeMethod(method)) {
      this.stats.unsafeNotMirrored++;
    } else {
      const requestId = request.headers['x-request-id'];
      mirror = this.sampler.shouldMirror(
        method,
        path,
        body,
        Array.isArray(requestId) ? requestId[0] : requestId,
      );
    }
    const forwarded = { path, method, headers, body: body ?? null };
    const compare = mirror ? this.options.compare : undefined;
    const capture = () => (compare ? new BodyCapture(compare.maxBodyBytes, this.captured) : undefined);
    const liveCapture = capture();
    const live = this.forwardToLive(forwarded, response, liveCapture);
    if (!mirror) {
      await live;
      return;
    }
    this.stats.mirrored++;
    const darkCapture = capture();
    const replicaCapture = this.replica ? capture() : undefined;
    const [liveAnswer, darkAnswer, replicaAnswer] = await Promise.all([
      live,
      this.sendToDark(forwarded, darkCapture),
      this.replica && replicaCapture ? this.send(this.replica, forwarded, replicaCapture) : undefined,
    ]);
    let codes: ComparisonCodes | undefined;
    if (compare && liveCapture && darkCapture) {
      const label = { method, target: path };
      const liveSide = { answer: liveAnswer, capture: liveCapture };
      const code = (side: 'dark' | 'replica', answer: Answer, capture: BodyCapture) =>
        this.comparisonCode(side, label, liveSide, { answer, capture }, compare);
      try {
        codes = {
          dark: code('dark', darkAnswer, darkCapture),
          replica:
            replicaAnswer && replicaCapture ? code('replica', replicaAnswer, replicaCapture) : NOT_ATTEMPTED,
        };
      } finally {
        for (const held of [liveCapture, darkCapture, replicaCapture]) held?.release();
      }
    }
    this.log.append(this.options.now(), liveAnswer, darkAnswer, codes);
  }

  private comparisonCode(
    side: 'dark' | 'replica',
    label: RequestLabel,
    live: CapturedAnswer,
    other: CapturedAnswer,
    compare: CompareConfig,
  ): number {
    if (live.answer.status === 0) return LIVE_NO_RESPONSE;
    if (other.answer.status === 0) return OTHER_NO_RESPONSE;
    if (live.capture.overBudget || other.capture.overBudget) return OVER_BUDGET;
    const comparison = compareResponses(
      live.capture.response(live.answer.status),
      other.capture.response(other.answer.status),
      compare,
    );
    return (this.book as DifferenceBook).record(side, comparison, label);
  }

  private forwardToLive(
    forwarded: ForwardedRequest,
    response: ServerResponse,
    capture: BodyCapture | undefined,
  ): Promise<Answer> {
    const started = performance.now();
    const sink: ResponseSink = {
      start: (status, headers) => {
        // The head and the first body chunk (usually the whole body) leave in one write.
        response.cork();
        process.nextTick(() => response.uncork());
        response.writeHead(status, returnedHeaders(headers));
        capture?.start(status, headers);
      },
      data: (chunk, resume) => {
        capture?.add(chunk);
        if (response.write(chunk)) return true;
        response.once('drain', resume);
        return false;
      },
      end: () => response.end(),
    };
    return new Promise((resolve) => {
      dispatchRequest(
        this.live.pool,
        this.upstreamOptions(forwarded, this.live.prefix),
        ({ status, timedOut }) => {
          if (status === 0) {
            this.stats.liveFailures++;
            if (!response.headersSent) response.writeHead(timedOut ? 504 : 502).end();
            else response.destroy();
          }
          resolve({ status, latencyMs: performance.now() - started });
        },
        sink,
      );
    });
  }

  private async sendToDark(forwarded: ForwardedRequest, capture: BodyCapture | undefined): Promise<Answer> {
    const answer = await this.send(this.dark, forwarded, capture);
    if (answer.status === 0) this.stats.darkFailures++;
    return answer;
  }

  /** Sends a copy whose answer nobody sees: read into `capture` when comparing, else dropped. */
  private send(
    target: Upstream,
    forwarded: ForwardedRequest,
    capture: BodyCapture | undefined,
  ): Promise<Answer> {
    const started = performance.now();
    return new Promise((resolve) => {
      dispatchRequest(
        target.pool,
        this.upstreamOptions(forwarded, target.prefix),
        ({ status }) => resolve({ status, latencyMs: performance.now() - started }),
        capture,
      );
    });
  }

  private upstreamOptions(forwarded: ForwardedRequest, prefix: string) {
    const { timeoutMs } = this.options;
    return { ...forwarded, path: prefix + forwarded.path, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  }
}

interface CapturedAnswer {
  readonly answer: Answer;
  readonly capture: BodyCapture;
}

interface Upstream {
  readonly pool: Pool;
  readonly prefix: string;
}

function upstream(url: string): Upstream {
  const { origin, prefix } = splitBaseUrl(url);
  return { pool: new Pool(origin, { connections: 256 }), prefix };
}

interface ForwardedRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | null;
}

/** The request body, or undefined when the request has none. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined | 'too-large'> {
  const { headers } = request;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
    request.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const forwarded: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name) && !named.has(name)) forwarded[name] = value;
  }
  return forwarded;
}

function returnedHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const returned: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    // The body is passed through unchanged, so its length stands.
    if (value !== undefined && (name === 'content-length' || !NOT_FORWARDED.has(name)))
      returned[name] = value;
  }
  return returned;
}
