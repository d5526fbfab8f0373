import { ConfigurationError } from '../../core/configuration-error.js';
import type { ReplayConfig, RequestTemplate } from '../../core/traffic-config.js';
import type { ReplaySummary } from '../../core/traffic-summary.js';
import { readAccessLog } from './access-log-reader.js';
import { readHar } from './har-reader.js';
import { readJsonLines } from './jsonl-reader.js';
import type { ReadProblem, RecordedRequest, RecordedTraffic } from './recorded-traffic.js';

export type ReplayFormat = Exclude<ReplayConfig['format'], 'auto'>;

/** The requests to replay, in recorded order, with what was left out. */
export interface Replay {
  readonly format: ReplayFormat;
  readonly requests: readonly RequestTemplate[];
  /** Ms from the first request, per request; present when the replay keeps the recorded pace. */
  readonly offsetsMs?: readonly number[];
  readonly summary: ReplaySummary;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);
const PROBLEMS_NAMED = 5;
const INPUT = 'load-replay';

/**
 * Reads a recording for replay: its format (from the content unless given), the usable requests in time order,
 * GET and HEAD only unless unsafe methods are enabled. At the recorded pace every request needs a time. Bad lines
 * and entries are counted and the first few named; none usable is a configuration error naming the file.
 */
export function loadReplay(config: ReplayConfig, text: string, atRecordedPace: boolean): Replay {
  const format = config.format === 'auto' ? detectFormat(text) : config.format;
  const read = reader(format)(text);
  const skipped = new Map(read.skipped);
  const bad: ReadProblem[] = [...read.bad];
  let usable: RecordedRequest[] = [];
  for (const request of read.requests) {
    if (!config.unsafeMethods && !SAFE_METHODS.has(request.method)) {
      const reason = `${request.method} (only GET and HEAD without load-replay-unsafe-methods)`;
      skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
    } else {
      usable.push(request);
    }
  }
  if (atRecordedPace) {
    const timed = usable.filter((request) => request.atMs !== undefined);
    if (timed.length < usable.length) {
      bad.push({
        where: `${usable.length - timed.length} request(s)`,
        reason: 'no time, which the recorded pace needs (or set load-rate)',
      });
    }
    // Stable: requests recorded in the same millisecond keep the file's order.
    usable = timed.sort((a, b) => (a.atMs as number) - (b.atMs as number));
  }
  if (usable.length === 0) {
    const why = [
      ...bad.slice(0, PROBLEMS_NAMED).map((problem) => `${problem.where}: ${problem.reason}`),
      ...[...skipped].map(([reason, count]) => `${count} skipped: ${reason}`),
    ];
    throw new ConfigurationError(
      INPUT,
      `${config.path} (read as ${format}) has no request to replay${why.length ? `; ${why.join('; ')}` : ''}`,
      'load-replay: .github/shadowgate/traffic.har',
    );
  }
  const first = usable[0]?.atMs ?? 0;
  return {
    format,
    requests: usable.map((request) => ({
      method: request.method,
      path: request.path,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      weight: 1,
    })),
    ...(atRecordedPace ? { offsetsMs: usable.map((request) => (request.atMs as number) - first) } : {}),
    summary: {
      file: config.path,
      format,
      requests: usable.length,
      skipped: Object.fromEntries(skipped),
      bad: bad.length,
      badExamples: bad.slice(0, PROBLEMS_NAMED).map((problem) => `${problem.where}: ${problem.reason}`),
      ...(atRecordedPace ? { recordedPace: true } : {}),
    },
  };
}

/** A JSON document with `log` is a HAR; lines of JSON objects are JSON lines; anything else an access log. */
export function detectFormat(text: string): ReplayFormat {
  const trimmed = text.replace(/^(?:\s*#[^\n]*\n)*/, '').trimStart();
  if (trimmed.startsWith('{')) {
    const firstLine = trimmed.slice(0, trimmed.indexOf('\n') < 0 ? undefined : trimmed.indexOf('\n')).trim();
    try {
      const document = JSON.parse(firstLine) as unknown;
      if (typeof document === 'object' && document !== null && !('log' in document)) return 'jsonl';
    } catch {
      // A multi-line JSON document: a HAR.
    }
    return 'har';
  }
  return 'access-log';
}

function reader(format: ReplayFormat): (text: string) => RecordedTraffic {
  switch (format) {
    case 'har':
      return readHar;
    case 'access-log':
      return readAccessLog;
    case 'jsonl':
      return readJsonLines;
  }
}
