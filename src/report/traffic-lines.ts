import type { LoadSummary, MirrorSummary, TrafficSummary } from '../core/traffic-summary.js';
import { count, share } from './count-text.js';
import { describeComparison } from './response-differences.js';

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/** `[label, sentence]` pairs on Shadowgate's own traffic, for the log, the reports' summary and the terminal. */
export function trafficLines(traffic: TrafficSummary): [string, string][] {
  const lines: [string, string][] = [];
  if (traffic.load) lines.push(['Load', describeLoad(traffic.load)]);
  if (traffic.mirror) lines.push(['Mirror', describeMirror(traffic.mirror)]);
  if (traffic.compare) lines.push(['Compare', describeComparison(traffic.compare)]);
  return lines;
}

function describeLoad(load: LoadSummary): string {
  const statuses = Object.entries(load.statuses).map(([status, n]) => `${status} × ${count(n)}`);
  if (load.timeouts > 0) statuses.push(`timeout × ${count(load.timeouts)}`);
  if (load.failures > 0) statuses.push(`no response × ${count(load.failures)}`);
  const unsent = load.unsent > 0 ? `, ${count(load.unsent)} not sent (concurrency cap reached)` : '';
  const latency =
    load.completed > 0
      ? `; latency from intended send time p50 ${ms(load.latencyMs.p50)}, p99 ${ms(load.latencyMs.p99)}, max ${ms(load.latencyMs.max)}`
      : '';
  const rate = load.replay?.recordedPace
    ? `at the recorded pace, ${load.ratePerSecond.toFixed(1)}/s on average`
    : `of ${load.ratePerSecond}/s`;
  return (
    `${count(load.sent)} requests in ${(load.durationMs / 1000).toFixed(1)}s ` +
    `(${load.achievedRate.toFixed(1)}/s ${rate}${unsent}) to ${load.target}; ` +
    `${statuses.join(', ') || 'no responses'}${latency}${load.replay ? `; ${describeReplay(load.replay)}` : ''}`
  );
}

function describeReplay(replay: NonNullable<LoadSummary['replay']>): string {
  const left = [
    ...Object.entries(replay.skipped).map(([reason, n]) => `${count(n)} skipped (${reason})`),
    ...(replay.bad > 0 ? [`${count(replay.bad)} unreadable (${replay.badExamples.join('; ')})`] : []),
  ];
  return `replayed ${count(replay.requests)} recorded requests from ${replay.file} (${replay.format})${left.length ? `, ${left.join(', ')}` : ''}`;
}

function describeMirror(mirror: MirrorSummary): string {
  const unsafe =
    mirror.unsafeNotMirrored > 0 ? `, ${count(mirror.unsafeNotMirrored)} unsafe requests not mirrored` : '';
  const eligible = mirror.received - mirror.unsafeNotMirrored;
  return (
    `${count(mirror.received)} requests answered by live, ${count(mirror.mirrored)} mirrored to dark ` +
    `(${share(mirror.mirrored, eligible)} of those eligible, configured ${mirror.percent}%)${unsafe}; ` +
    `without a response: live ${count(mirror.liveFailures)}, dark ${count(mirror.darkFailures)}`
  );
}
