import type { EvaluationPlan } from '../model.js';

/**
 * Each objective's share of α = 1 − confidence, or undefined with point decisions. Split evenly (Bonferroni)
 * over the objectives a bound decides, so the chance that any of them is decided the wrong way, a false pass
 * or a false fail, stays at most α over the whole run. Request counts are exact and custom queries have no
 * bound, so they take no share.
 */
export function objectiveAlpha(plan: EvaluationPlan): number | undefined {
  if (plan.decision.mode === 'point') return undefined;
  const bounded = plan.objectives.filter(
    (objective) => objective.metric.kind !== 'request-count' && objective.metric.kind !== 'custom',
  ).length;
  return (1 - plan.decision.confidence) / Math.max(1, bounded);
}
