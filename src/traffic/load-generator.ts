import { performance } from 'node:perf_hooks';
import type { RequestTemplate } from '../core/traffic-config.js';
import type { RequestOutcome } from './dispatch-request.js';
import { type ConnectionTarget, HttpConnection, serializeRequest } from './http-connection.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { constantRate, type RequestSchedule } from './request-schedule.js';

/** Weighted templates at a constant rate, or any schedule (a replay). */
export type LoadGeneratorOptions = {
  /** Base URL; each request's path is appended to it. */
  readonly url: string;
  /** Most requests in flight at once (and connections opened). */
  readonly concurrency: number;
  readonly timeoutMs: number;
} & (
  | {
      readonly ratePerSecond: number;
      readonly requests: readonly RequestTemplate[];
      /** Seeds the choice among weighted requests, so a re-run sends the same sequence. */
      readonly seed?: number;
    }
  | { readonly schedule: RequestSchedule }
);

export interface LoadReport {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Requests whose send time had come by the end. */
  readonly scheduled: number;
  readonly sent: number;
  /** Scheduled but never sent: the concurrency cap was reached and the backlog never drained. */
  readonly unsent: number;
  readonly completed: number;
  /** Responses by HTTP status. */
  readonly statuses: ReadonlyMap<number, number>;
  readonly timeouts: number;
  /** Connection errors and other failures without a response. */
  readonly failures: number;
  /** Completed requests per second. */
  readonly achievedRate: number;
  /** From each request's intended send time to the end of its response (or failure). */
  readonly latency: LatencySummary;
}

/**
 * An open-model load generator: request k is due at start + k / rate (or at its recorded time) whatever happened to
 * the earlier ones, and its latency runs from that intended time, not from when it could actually be sent. A
 * server that stalls therefore shows its stall in every request that had to wait, not in one (no coordinated
 * omission).
 */
export class LoadGenerator {
  private readonly target: ConnectionTarget;
  /** Each template's request, serialised once. */
  private readonly prepared: Map<RequestTemplate, Buffer>;
  private readonly idle: HttpConnection[] = [];
  private readonly connections: HttpConnection[] = [];
  private readonly schedule: RequestSchedule;
  private readonly histogram = new LatencyHistogram();
  private readonly statuses = new Map<number, number>();
  private startedAt = 0;
  private stoppedAt = 0;
  private scheduled = 0;
  private sent = 0;
  private completed = 0;
  private inFlight = 0;
  private timeouts = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private drained: (() => void) | undefined;

  constructor(private readonly options: LoadGeneratorOptions) {
    this.schedule =
      'schedule' in options
        ? options.schedule
        : constantRate(options.ratePerSecond, options.requests, options.seed ?? 1);
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`not an http(s) URL: ${options.url}`);
    const tls = url.protocol === 'https:';
    this.target = {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || (tls ? 443 : 80)),
      tls,
    };
    const prefix = url.pathname.replace(/\/+$/, '');
    this.prepared = new Map(
      this.schedule.templates.map((template) => [
        template,
        serializeRequest(this.target, { ...template, path: prefix + template.path }),
      ]),
    );
  }

  start(): void {
    this.running = true;
    this.startedAt = performance.now();
    this.tick();
  }

  /** Stops sending; resolves once the requests in flight have ended (each is bounded by the timeout). */
  async stop(): Promise<LoadReport> {
    if (this.running) {
      this.running = false;
      this.stoppedAt = performance.now();
      clearTimeout(this.timer);
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      for (const connection of this.connections) connection.close();
    }
    return this.report();
  }

  private tick = (): void => {
    if (!this.running) return;
    this.pump(performance.now());
    const nextDue = this.startedAt + this.schedule.dueAtMs(this.scheduled);
    this.timer = setTimeout(this.tick, Math.max(0, nextDue - performance.now()));
  };

  /**
   * Sends the requests due by `now`, oldest first, as far as the concurrency cap allows. Called on each timer
   * wake-up and on each response, so a request due between two wake-ups goes out as soon as a connection is
   * free rather than at the next wake-up (timers fire at 1 ms at best, 40 requests apart at 40,000/s).
   */
  private pump(now: number): void {
    const elapsed = now - this.startedAt;
    while (this.schedule.dueAtMs(this.scheduled) <= elapsed) this.scheduled++;
    while (this.running && this.sent < this.scheduled && this.inFlight < this.options.concurrency) {
      const intendedAt = this.startedAt + this.schedule.dueAtMs(this.sent);
      this.sent++;
      this.inFlight++;
      this.send(intendedAt, this.idle.pop() ?? this.newConnection());
    }
  }

  private newConnection(): HttpConnection {
    const connection = new HttpConnection(this.target, this.options.timeoutMs);
    this.connections.push(connection);
    return connection;
  }

  private send(intendedAt: number, connection: HttpConnection): void {
    const template = this.schedule.request(this.sent - 1);
    connection.send(this.prepared.get(template) as Buffer, template.method === 'HEAD', (outcome) => {
      this.idle.push(connection);
      this.complete(intendedAt, outcome);
    });
  }

  private complete(intendedAt: number, { status, timedOut }: RequestOutcome): void {
    const now = performance.now();
    this.histogram.record(now - intendedAt);
    if (status !== 0) this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    else if (timedOut) this.timeouts++;
    else this.failures++;
    this.completed++;
    this.inFlight--;
    if (this.running) this.pump(now);
    else if (this.inFlight === 0) this.drained?.();
  }

  private report(): LoadReport {
    const durationMs = (this.stoppedAt || performance.now()) - this.startedAt;
    return {
      ratePerSecond: this.schedule.ratePerSecond,
      durationMs,
      scheduled: this.scheduled,
      sent: this.sent,
      unsent: this.scheduled - this.sent,
      completed: this.completed,
      statuses: new Map(this.statuses),
      timeouts: this.timeouts,
      failures: this.failures,
      achievedRate: durationMs > 0 ? (this.completed / durationMs) * 1000 : 0,
      latency: this.histogram.summary(),
    };
  }
}
