import type { RequestTemplate } from '../core/traffic-config.js';
import { RequestPicker } from './request-picker.js';

/**
 * When each request of an open-model load is due, and which it is: request k (0, 1, 2, …) is due `dueAtMs(k)` after
 * the start, whatever happened to the earlier ones. `request(k)` is asked once per k, in order.
 */
export interface RequestSchedule {
  /** Every request the schedule can send, to prepare each once. */
  readonly templates: readonly RequestTemplate[];
  /** Requests per second on average, for the report. */
  readonly ratePerSecond: number;
  /** Non-decreasing in k. */
  dueAtMs(k: number): number;
  request(k: number): RequestTemplate;
}

/** A constant rate, each request chosen by weight from the templates (seeded: the same sequence every run). */
export function constantRate(
  ratePerSecond: number,
  templates: readonly RequestTemplate[],
  seed = 1,
): RequestSchedule {
  if (!(ratePerSecond > 0)) throw new Error('the rate must be positive');
  const picker = new RequestPicker(templates, seed);
  const intervalMs = 1000 / ratePerSecond;
  return { templates, ratePerSecond, dueAtMs: (k) => k * intervalMs, request: () => picker.next() };
}

/** Recorded requests in their order, again and again, at a constant rate. */
export function replayAtRate(ratePerSecond: number, requests: readonly RequestTemplate[]): RequestSchedule {
  if (!(ratePerSecond > 0)) throw new Error('the rate must be positive');
  if (requests.length === 0) throw new Error('at least one request is needed');
  const intervalMs = 1000 / ratePerSecond;
  return {
    templates: requests,
    ratePerSecond,
    dueAtMs: (k) => k * intervalMs,
    request: (k) => requests[k % requests.length] as RequestTemplate,
  };
}

/**
 * Recorded requests at their recorded offsets (ms from the first, non-decreasing). The recording repeats until the
 * load stops; each repeat starts one mean gap after the previous one's last request.
 */
export function replayAtRecordedPace(
  requests: readonly RequestTemplate[],
  offsetsMs: readonly number[],
): RequestSchedule {
  if (requests.length === 0 || offsetsMs.length !== requests.length)
    throw new Error('every recorded request needs its offset');
  const last = offsetsMs.at(-1) as number;
  const meanGapMs = requests.length > 1 && last > 0 ? last / (requests.length - 1) : 1000;
  const cycleMs = last + meanGapMs;
  return {
    templates: requests,
    ratePerSecond: (requests.length / cycleMs) * 1000,
    dueAtMs: (k) => Math.floor(k / requests.length) * cycleMs + (offsetsMs[k % requests.length] as number),
    request: (k) => requests[k % requests.length] as RequestTemplate,
  };
}
