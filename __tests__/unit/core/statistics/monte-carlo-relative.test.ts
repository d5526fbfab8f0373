import { describe, expect, it } from 'vitest';
import {
  ERROR_RATE_UNDER_1_PERCENT,
  ERROR_RATE_WITHIN_HALF_POINT_OF_LIVE,
  failing,
  P95_UNDER_100_MS,
} from '../../../support/monte-carlo-objectives.js';
import { gatePlan, tallyRuns, wrongWayAllowance } from '../../../support/monte-carlo-runs.js';
import { exponentialLatency } from '../../../support/simulated-requests.js';

/** As monte-carlo-absolute.test.ts, for a relative objective on paired requests and for several objectives at once. */
const RUNS = 300;
const ALLOWED = wrongWayAllowance(RUNS);
const options = (seed: number, as: 'histogram' | 'samples') => ({ runs: RUNS, seed, perSecond: 40, as });

describe('error-rate <= live + 0.5pp, paired on the same mirrored requests', () => {
  const plan = gatePlan([ERROR_RATE_WITHIN_HALF_POINT_OF_LIVE]);
  const live = failing(0.01);
  // Mirrored requests that fail on live mostly fail on dark too; the pairs cancel those shared failures.
  const shared = (seed: number) => ({ ...options(seed, 'samples'), sharedFaults: true });

  it('exactly at the limit (met, as the limit is <=), fails in at most α of runs', async () => {
    const { verdicts } = await tallyRuns(plan, { dark: failing(0.015), live }, shared(11));
    expect(verdicts.fail / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('exactly at the limit with independent failures, fails in at most α of runs', async () => {
    const { verdicts } = await tallyRuns(plan, { dark: failing(0.015), live }, options(12, 'samples'));
    expect(verdicts.fail / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('0.5pp outside the limit, passes in at most α of runs', async () => {
    const { verdicts } = await tallyRuns(plan, { dark: failing(0.02), live }, shared(13));
    expect(verdicts.pass / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('a clear regression (1pp outside) fails in at least 95% of runs within the window', async () => {
    const { verdicts } = await tallyRuns(plan, { dark: failing(0.025), live }, shared(14));
    expect(verdicts.fail / RUNS).toBeGreaterThanOrEqual(0.95);
  });

  it('a version as good as live passes in at least 95% of runs, before the window ends', async () => {
    const { verdicts, stops } = await tallyRuns(plan, { dark: live, live }, shared(15));
    expect(verdicts.pass / RUNS).toBeGreaterThanOrEqual(0.95);
    expect(stops['early-pass']).toBe(verdicts.pass);
  });
});

describe('two objectives at once: α is split between them', () => {
  const plan = gatePlan([P95_UNDER_100_MS, ERROR_RATE_UNDER_1_PERCENT]);
  const truth = (slowShare: number, errorRate: number) => ({
    dark: { errorRate, latency: exponentialLatency((1 - slowShare) * 100, 100) },
  });

  it('both just inside their limits: the run fails in at most α of runs', async () => {
    const { verdicts } = await tallyRuns(plan, truth(0.04, 0.005), options(21, 'histogram'));
    expect(verdicts.fail / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('both exactly at their limits: the run passes in at most α of runs', async () => {
    const { verdicts } = await tallyRuns(plan, truth(0.05, 0.01), options(22, 'histogram'));
    expect(verdicts.pass / RUNS).toBeLessThanOrEqual(ALLOWED);
  });
});
