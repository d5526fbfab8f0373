import type { EvaluationPlan, Verdict } from '../core/model.js';
import type { ExperimentResult, IterationResult, ObjectiveStatus, StopReason } from '../core/result.js';
import { objectiveAlpha } from '../core/statistics/alpha-split.js';
import { formatLevel } from './value-format.js';

export const VERDICT_ICON: Readonly<Record<Verdict, string>> = {
  pass: '✅',
  fail: '❌',
  inconclusive: '⚠️',
};

/** `…` undecided (the bound straddles the limit: more data would settle it); `?` no data to judge. */
export const STATUS_SYMBOL: Readonly<Record<ObjectiveStatus, string>> = {
  met: '✓',
  breached: '✗',
  undecided: '…',
  unknown: '?',
};

/** The iteration the verdict rests on: the last one run (fail-fast ends the run at the breaching one). */
export function lastIteration(result: ExperimentResult): IterationResult | undefined {
  return result.iterations.at(-1);
}

const STOP_LABEL: Readonly<Record<StopReason, string>> = {
  completed: 'completed',
  'fail-fast': 'stopped early by fail-fast',
  'early-pass': 'stopped early by early pass',
  aborted: 'aborted',
};

/**
 * Which rule decided the run, in one line: `confidence 95%: time-uniform bounds, …` or the point-value rule.
 */
export function describeDecision(plan: EvaluationPlan): string {
  const { decision } = plan;
  if (decision.mode === 'point') {
    return 'point values against the limits (confidence: off, as Iter8 judged): no allowance for sampling noise';
  }
  const alpha = objectiveAlpha(plan) ?? 0;
  const bounded = Math.round((1 - decision.confidence) / alpha);
  const each = bounded > 1 ? `, each of the ${bounded} bounded objectives at ${formatLevel(1 - alpha)}` : '';
  return `confidence ${formatLevel(decision.confidence)}${each}: confidence bounds valid at every iteration, so a pass or a fail stands however early it came`;
}

/** How the run stopped, in one line: `stopped early by fail-fast — stopped after iteration 3 of 10: …`. */
export function describeStop(result: ExperimentResult): string {
  const { reason, detail } = result.stop;
  return detail ? `${STOP_LABEL[reason]} — ${detail}` : STOP_LABEL[reason];
}
