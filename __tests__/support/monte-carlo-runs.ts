import { runEvaluation } from '../../src/core/evaluation-loop.js';
import type { EvaluationPlan, Objective, Verdict } from '../../src/core/model.js';
import type { StopReason } from '../../src/core/result.js';
import { FakeClock } from './fake-clock.js';
import { SimulatedRequests, type VersionTruth } from './simulated-requests.js';

export interface RunTally {
  readonly runs: number;
  readonly verdicts: Record<Verdict, number>;
  readonly stops: Record<StopReason, number>;
  /** Mean dark requests looked at when the run ended. */
  readonly meanRequests: number;
}

/**
 * The share of runs a wrong-way verdict may take: α, plus three standard deviations of the Monte Carlo error
 * of that share over `runs` runs.
 */
export function wrongWayAllowance(runs: number, alpha = 0.05): number {
  return alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs);
}

/** A PR gate's defaults: 10 iterations of 10 s, fail-fast and early pass on, 95% confidence. */
export function gatePlan(
  objectives: readonly Objective[],
  overrides: Partial<EvaluationPlan> = {},
): EvaluationPlan {
  return {
    name: 'monte-carlo',
    target: { namespace: 'shop', service: 'checkout', darkRevision: 'dark', liveRevision: 'live' },
    objectives,
    intervalMs: 10_000,
    iterations: 10,
    minRequests: 10,
    failFast: { enabled: true, consecutiveBreaches: 2 },
    decision: { mode: 'confidence', confidence: 0.95, earlyPass: true, minIterations: 1, minDurationMs: 0 },
    ...overrides,
  };
}

/** Runs the real evaluation loop `runs` times on simulated requests, with a fake clock, and tallies the outcomes. */
export async function tallyRuns(
  plan: EvaluationPlan,
  truth: { readonly dark: VersionTruth; readonly live?: VersionTruth },
  options: {
    readonly runs: number;
    readonly seed: number;
    readonly perSecond: number;
    readonly as: 'histogram' | 'samples';
    readonly sharedFaults?: boolean;
  },
): Promise<RunTally> {
  const verdicts: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0 };
  const stops: Record<StopReason, number> = { completed: 0, 'fail-fast': 0, 'early-pass': 0, aborted: 0 };
  let requests = 0;
  for (let run = 0; run < options.runs; run++) {
    const clock = new FakeClock();
    const source = new SimulatedRequests(
      { dark: truth.dark, live: truth.live ?? truth.dark },
      { ...options, seed: options.seed * 100_003 + run, start: clock.now() },
    );
    const result = await runEvaluation(plan, { source, clock });
    verdicts[result.verdict] += 1;
    stops[result.stop.reason] += 1;
    const last = result.iterations.at(-1);
    requests += last?.requests.dark.status === 'ok' ? last.requests.dark.value : 0;
  }
  return { runs: options.runs, verdicts, stops, meanRequests: requests / options.runs };
}
