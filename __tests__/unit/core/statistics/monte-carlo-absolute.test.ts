import { describe, expect, it } from 'vitest';
import {
  ERROR_RATE_UNDER_1_PERCENT,
  failing,
  MEAN_UNDER_50_MS,
  meanOf,
  P95_UNDER_100_MS,
  within100ms,
} from '../../../support/monte-carlo-objectives.js';
import { gatePlan, tallyRuns, wrongWayAllowance } from '../../../support/monte-carlo-runs.js';
import type { VersionTruth } from '../../../support/simulated-requests.js';

/**
 * Thousands of simulated runs of the real evaluation loop (fake clock, seeded requests, a look at every
 * iteration, early fail and early pass on, 95% confidence): the default window of 10 iterations of 10 s at 40
 * mirrored requests a second. Wrong-way verdicts (a pass when the truth breaches, a fail when it meets) stay
 * at most α = 5% within Monte Carlo error; a clear regression fails, and a clearly healthy version passes early.
 */
const RUNS = 300;
const ALLOWED = wrongWayAllowance(RUNS);

async function tally(
  objective: typeof P95_UNDER_100_MS,
  dark: VersionTruth,
  seed: number,
  as: 'histogram' | 'samples',
) {
  return tallyRuns(gatePlan([objective]), { dark }, { runs: RUNS, seed, perSecond: 40, as });
}

describe.each([
  {
    name: 'error-rate < 1% (counts, as from Prometheus)',
    objective: ERROR_RATE_UNDER_1_PERCENT,
    as: 'histogram' as const,
    // The runs: 0.5% and 1.5% errors; at the limit 1%; twice as far as either: 0% and 2%.
    atLimit: failing(0.01),
    inside: failing(0.005),
    outside: failing(0.015),
    regression: failing(0.02),
    healthy: failing(0),
  },
  {
    name: 'p95-latency < 100ms (Istio buckets, as from Prometheus)',
    objective: P95_UNDER_100_MS,
    as: 'histogram' as const,
    // The runs: 4% and 6% of requests over 100 ms; at the limit 5%; twice as far: 3% and 7%.
    atLimit: within100ms(0.95),
    inside: within100ms(0.96),
    outside: within100ms(0.94),
    regression: within100ms(0.93),
    healthy: within100ms(0.97),
  },
  {
    name: 'mean-latency < 50ms (raw samples, as from the mirroring proxy)',
    objective: MEAN_UNDER_50_MS,
    as: 'samples' as const,
    atLimit: meanOf(50),
    inside: meanOf(48),
    outside: meanOf(52),
    regression: meanOf(54),
    healthy: meanOf(46),
  },
])('$name', ({ objective, as, atLimit, inside, outside, regression, healthy }) => {
  // `<` limits: at the limit the objective is not met, so a pass is the wrong way.
  it('exactly at the limit, passes in at most α of runs', async () => {
    const { verdicts } = await tally(objective, atLimit, 1, as);
    expect(verdicts.pass / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('just inside the limit, fails in at most α of runs', async () => {
    const { verdicts } = await tally(objective, inside, 2, as);
    expect(verdicts.fail / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('just outside the limit, passes in at most α of runs', async () => {
    const { verdicts } = await tally(objective, outside, 3, as);
    expect(verdicts.pass / RUNS).toBeLessThanOrEqual(ALLOWED);
  });

  it('a clear regression fails in at least 95% of runs within the window', async () => {
    const { verdicts } = await tally(objective, regression, 4, as);
    expect(verdicts.fail / RUNS).toBeGreaterThanOrEqual(0.95);
  });

  it('a clearly healthy version passes in at least 95% of runs, before the window ends', async () => {
    const { stops, verdicts } = await tally(objective, healthy, 5, as);
    expect(verdicts.pass / RUNS).toBeGreaterThanOrEqual(0.95);
    expect(stops['early-pass']).toBe(verdicts.pass);
  });
});
