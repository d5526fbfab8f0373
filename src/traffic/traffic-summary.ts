import type { LoadSummary, MirrorSummary } from '../core/traffic-summary.js';
import type { LoadReport } from './load-generator.js';
import type { MirrorStats } from './mirror-proxy.js';

/** The load generator's report as the result keeps it. */
export function loadSummary(report: LoadReport, target: string): LoadSummary {
  const { latency } = report;
  return {
    target,
    ratePerSecond: report.ratePerSecond,
    durationMs: report.durationMs,
    sent: report.sent,
    unsent: report.unsent,
    completed: report.completed,
    statuses: Object.fromEntries([...report.statuses.entries()].sort(([a], [b]) => a - b)),
    timeouts: report.timeouts,
    failures: report.failures,
    achievedRate: report.achievedRate,
    latencyMs: { p50: latency.p50Ms, p99: latency.p99Ms, max: latency.maxMs },
  };
}

/** The mirroring proxy's counts as the result keeps them. */
export function mirrorSummary(stats: MirrorStats, percent: number): MirrorSummary {
  return { percent, ...stats };
}
