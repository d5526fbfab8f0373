import { NOT_FORWARDED } from '../hop-by-hop.js';

/** One request read from a recording, to be sent again. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** When it was sent, epoch ms; absent where the recording has no time. */
  readonly atMs?: number;
}

/** A line or entry that could not be used, and why. */
export interface ReadProblem {
  /** `line 12`, `entry 3`. */
  readonly where: string;
  readonly reason: string;
}

/** What a reader made of a file: the usable requests, what it left out on purpose, and what it could not read. */
export interface RecordedTraffic {
  readonly requests: RecordedRequest[];
  /** Left out on purpose, by reason (e.g. `POST not replayed without load-replay-unsafe-methods`). */
  readonly skipped: Map<string, number>;
  readonly bad: ReadProblem[];
}

/** Headers not replayed: those not forwarded either, and HTTP/2 pseudo-headers (`:authority`). */
export function isReplayedHeader(name: string): boolean {
  return !name.startsWith(':') && !NOT_FORWARDED.has(name.toLowerCase());
}

/** A request target for replay: origin-form (`/path?query`), from an origin-form or absolute one. */
export function originForm(target: string): string | undefined {
  if (target.startsWith('/')) return target;
  if (!URL.canParse(target)) return undefined;
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.pathname}${url.search}`;
}

/** Whether a path can go into a request line: no whitespace or control characters. */
export function isSendablePath(path: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  return path.startsWith('/') && !/[\s\u0000-\u001f\u007f]/.test(path);
}

export function emptyTraffic(): RecordedTraffic {
  return { requests: [], skipped: new Map(), bad: [] };
}

export function skip(traffic: RecordedTraffic, reason: string): void {
  traffic.skipped.set(reason, (traffic.skipped.get(reason) ?? 0) + 1);
}
