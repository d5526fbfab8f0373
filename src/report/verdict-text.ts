import type { Verdict } from '../core/model.js';
import type { ExperimentResult, IterationResult, ObjectiveStatus, StopReason } from '../core/result.js';

export const VERDICT_ICON: Readonly<Record<Verdict, string>> = {
  pass: '✅',
  fail: '❌',
  inconclusive: '⚠️',
};

export const STATUS_SYMBOL: Readonly<Record<ObjectiveStatus, string>> = {
  met: '✓',
  breached: '✗',
  unknown: '?',
};

/** The iteration the verdict rests on: the last one run (fail-fast ends the run at the breaching one). */
export function lastIteration(result: ExperimentResult): IterationResult | undefined {
  return result.iterations.at(-1);
}

const STOP_LABEL: Readonly<Record<StopReason, string>> = {
  completed: 'completed',
  'fail-fast': 'stopped early by fail-fast',
  aborted: 'aborted',
};

/** How the run stopped, in one line: `stopped early by fail-fast — stopped after iteration 3 of 10: …`. */
export function describeStop(result: ExperimentResult): string {
  const { reason, detail } = result.stop;
  return detail ? `${STOP_LABEL[reason]} — ${detail}` : STOP_LABEL[reason];
}
