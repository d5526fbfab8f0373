import type { LoadReport } from './load-generator.js';
import type { MirrorStats } from './mirror-proxy.js';

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const percent = (part: number, whole: number) =>
  whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`;

/** One line on what the load generator did, for the log. */
export function describeLoad(report: LoadReport): string {
  const statuses = [...report.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status} × ${count(n)}`);
  if (report.timeouts > 0) statuses.push(`timeout × ${count(report.timeouts)}`);
  if (report.failures > 0) statuses.push(`no response × ${count(report.failures)}`);
  const { latency } = report;
  const unsent = report.unsent > 0 ? `, ${count(report.unsent)} not sent (concurrency cap reached)` : '';
  return (
    `Load: ${count(report.sent)} requests in ${(report.durationMs / 1000).toFixed(1)}s ` +
    `(${report.achievedRate.toFixed(1)}/s of ${report.ratePerSecond}/s${unsent}); ` +
    `${statuses.join(', ') || 'no responses'}; latency from intended send time ` +
    `p50 ${ms(latency.p50Ms)}, p99 ${ms(latency.p99Ms)}, max ${ms(latency.maxMs)}`
  );
}

/** One line on what the mirroring proxy did, for the log. */
export function describeMirror(stats: MirrorStats): string {
  const unsafe =
    stats.unsafeNotMirrored > 0 ? `, ${count(stats.unsafeNotMirrored)} unsafe requests not mirrored` : '';
  return (
    `Mirror: ${count(stats.received)} requests answered by live, ${count(stats.mirrored)} mirrored to dark ` +
    `(${percent(stats.mirrored, stats.received - stats.unsafeNotMirrored)} of those eligible)${unsafe}; without a response: live ${count(stats.liveFailures)}, ` +
    `dark ${count(stats.darkFailures)}`
  );
}
