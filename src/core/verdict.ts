import { formatValue } from './format-value.js';
import type { Verdict } from './model.js';
import type { ObjectiveAssessment, ToSettle } from './result.js';

/**
 * One iteration's verdict: a breach with enough data fails; otherwise anything unknown or undecided makes it
 * inconclusive; only when every objective is met does it pass.
 */
export function iterationVerdict(assessments: readonly ObjectiveAssessment[]): {
  verdict: Verdict;
  reason: string;
} {
  const breached = assessments.filter((a) => a.status === 'breached');
  if (breached.length > 0) {
    return { verdict: 'fail', reason: breached.map((a) => a.reason).join('; ') };
  }
  const unknown = assessments.filter((a) => a.status === 'unknown');
  const undecided = assessments.filter((a) => a.status === 'undecided');
  if (unknown.length > 0 || undecided.length > 0) {
    const parts: string[] = [];
    if (unknown.length > 0)
      parts.push(`not enough data: ${[...new Set(unknown.map((a) => a.reason))].join('; ')}`);
    if (undecided.length > 0) {
      parts.push(`not settled: ${undecided.map((a) => `${a.reason}${settleSuffix(a.toSettle)}`).join('; ')}`);
    }
    return { verdict: 'inconclusive', reason: parts.join('; ') };
  }
  return { verdict: 'pass', reason: `all ${assessments.length} objectives met` };
}

/** `; about 1,200 more requests (~30 s at the rate so far) would settle it`, or why no number would. */
export function settleSuffix(toSettle: ToSettle | undefined): string {
  if (!toSettle) return '';
  return `; ${settleText(toSettle)}`;
}

export function settleText(toSettle: ToSettle): string {
  if (toSettle.requests === undefined) {
    return 'the estimate sits on the limit, so more requests would likely not settle it';
  }
  const time =
    toSettle.seconds === undefined ? '' : ` (~${formatDurationSeconds(toSettle.seconds)} at the rate so far)`;
  return `about ${formatValue(toSettle.requests, 'count')} more dark requests${time} would likely settle it`;
}

function formatDurationSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
