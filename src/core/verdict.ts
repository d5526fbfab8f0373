import type { Verdict } from './model.js';
import type { ObjectiveAssessment } from './result.js';

/**
 * One iteration's verdict: a breach with enough data fails; otherwise anything unknown makes it
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
  if (unknown.length > 0) {
    const reasons = [...new Set(unknown.map((a) => a.reason))];
    return { verdict: 'inconclusive', reason: `not enough data: ${reasons.join('; ')}` };
  }
  return { verdict: 'pass', reason: `all ${assessments.length} objectives met` };
}
