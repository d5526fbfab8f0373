import type { DecisionPolicy } from '../core/model.js';
import type { ObjectiveAssessment } from '../core/result.js';
import { settleText } from '../core/verdict.js';
import { formatInterval, formatLevel } from './value-format.js';

/**
 * Why an objective has its status, where the symbol alone does not say: why it is unknown, what would settle
 * it when undecided, and, with confidence bounds, that it was decided on its value alone.
 */
export function statusDetail(assessment: ObjectiveAssessment, decision: DecisionPolicy): string | undefined {
  switch (assessment.status) {
    case 'unknown':
      return assessment.reason;
    case 'undecided':
      return assessment.toSettle ? settleText(assessment.toSettle) : undefined;
    default:
      return decision.mode === 'confidence' && assessment.decidedBy === 'value'
        ? `on its value only: ${assessment.reason ?? 'no evidence for a bound'}`
        : undefined;
  }
}

/**
 * What the bounds rested on, one line per objective that used one: the method and its level, the limit's own
 * interval for relative objectives, and every assumption (a limit inside a histogram bucket, asymptotics).
 */
export function assessmentNotes(assessments: readonly ObjectiveAssessment[]): string[] {
  return assessments.flatMap(({ objective, bound }) => {
    if (!bound) return [];
    const unit = objective.metric.unit;
    const limit =
      objective.limit.kind === 'absolute'
        ? ''
        : bound.paired
          ? `; dark minus the limit, request by request, lies in ${formatInterval(bound.margin, unit)}`
          : `; the limit from live lies in ${formatInterval(bound.limit, unit)}`;
    const assumptions = bound.assumptions.length ? `; ${bound.assumptions.join('; ')}` : '';
    return [`${objective.metric.id}: ${bound.method} at ${formatLevel(bound.level)}${limit}${assumptions}.`];
  });
}
