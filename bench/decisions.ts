// `npm run bench`, step 6: the confidence decisions (src/core/statistics/).
//  a. Requests a decision needs: the sequential bounds, looked at every 100 requests, against a fixed-horizon
//     one-look test at the same α sized for 95% power (what a test that may look only once must wait for).
//  b. Time one decision takes, per objective and iteration, for each kind of evidence (goal ≤ 1 ms), and the
//     last iteration's projection of what would settle an undecided objective.
// Prints Markdown tables; bench/RESULTS.md keeps the numbers.
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { ERROR_RATE_UNDER_1_PERCENT, P95_UNDER_100_MS } from '../__tests__/support/monte-carlo-objectives.js';
import { ISTIO_BUCKETS_MS, seededRandom } from '../__tests__/support/simulated-requests.js';
import type { Evidence } from '../src/core/evidence.js';
import type { Objective } from '../src/core/model.js';
import { decideObjective, requestsToDecide } from '../src/core/statistics/objective-decision.js';

const ALPHA = 0.05;
const RUNS = 200;
const LOOK_EVERY = 100;
const MAX_REQUESTS = 200_000;

/** A proportion objective's evidence at n requests with k events: the error count, or the count at 100 ms. */
function evidenceFor(objective: Objective, events: number, n: number): Evidence {
  return objective.metric.kind === 'error-rate'
    ? { kind: 'counts', events, trials: n }
    : {
        kind: 'histogram',
        buckets: [
          { le: 100, count: events },
          { le: Number.POSITIVE_INFINITY, count: n },
        ],
      };
}

/** Requests until the sequential bound first decides, per run; MAX_REQUESTS where it never did. */
function sequentialRequests(objective: Objective, share: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: RUNS }, () => {
    let events = 0;
    for (let n = 1; n <= MAX_REQUESTS; n++) {
      if (random() < share) events++;
      if (n % LOOK_EVERY !== 0) continue;
      const decision = decideObjective({
        objective,
        dark: { value: events / n, evidence: evidenceFor(objective, events, n) },
        alpha: ALPHA,
      });
      if (decision.status === 'met' || decision.status === 'breached') return n;
    }
    return MAX_REQUESTS;
  });
}

/** One-sided one-look test of `share` against `limit` at level α with 95% power (normal approximation). */
function fixedHorizon(limit: number, share: number): number {
  const zAlpha = quantile(1 - ALPHA, 0, 1);
  const zPower = quantile(0.95, 0, 1);
  const spread = zAlpha * Math.sqrt(limit * (1 - limit)) + zPower * Math.sqrt(share * (1 - share));
  return Math.ceil((spread / (share - limit)) ** 2);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const cases: readonly { name: string; objective: Objective; limit: number; share: number }[] = [
  { name: 'error-rate < 1%, truth 0%', objective: ERROR_RATE_UNDER_1_PERCENT, limit: 0.01, share: 0 },
  { name: 'error-rate < 1%, truth 0.5%', objective: ERROR_RATE_UNDER_1_PERCENT, limit: 0.01, share: 0.005 },
  { name: 'error-rate < 1%, truth 2%', objective: ERROR_RATE_UNDER_1_PERCENT, limit: 0.01, share: 0.02 },
  { name: 'error-rate < 1%, truth 5%', objective: ERROR_RATE_UNDER_1_PERCENT, limit: 0.01, share: 0.05 },
  // The share that answers within 100 ms; the objective holds when it is at least 95%.
  { name: 'p95-latency < 100ms, 3% over', objective: P95_UNDER_100_MS, limit: 0.95, share: 0.97 },
  { name: 'p95-latency < 100ms, 7% over', objective: P95_UNDER_100_MS, limit: 0.95, share: 0.93 },
  { name: 'p95-latency < 100ms, 20% over', objective: P95_UNDER_100_MS, limit: 0.95, share: 0.8 },
];

console.log(
  `\n### Requests to a decision at ${(1 - ALPHA) * 100}% (${RUNS} runs, a look every ${LOOK_EVERY} requests)\n`,
);
console.log('| objective, truth | sequential: median (p90) | fixed horizon, 95% power | ratio of medians |');
console.log('| --- | --- | --- | --- |');
cases.forEach(({ name, objective, limit, share }, i) => {
  const needed = sequentialRequests(objective, share, i + 1).sort((a, b) => a - b);
  // Zero errors against a 1% limit: the one-look test needs 0.99^n ≤ α.
  const fixed = share === 0 ? Math.ceil(Math.log(ALPHA) / Math.log(1 - limit)) : fixedHorizon(limit, share);
  const median = percentile(needed, 50);
  console.log(
    `| ${name} | ${median.toLocaleString('en-US')} (${percentile(needed, 90).toLocaleString('en-US')}) | ${fixed.toLocaleString('en-US')} | ${(median / fixed).toFixed(2)} |`,
  );
});

/** Median and p99 milliseconds of `fn` over `rounds` calls, after a warm-up. */
function timed(fn: () => unknown, rounds = 300): { median: number; p99: number } {
  for (let i = 0; i < 20; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times, 50), p99: percentile(times, 99) };
}

const random = seededRandom(42);
const samples = (n: number) => Float64Array.from({ length: n }, () => -Math.log(1 - random()) * 30);
/** As the builtin source gives them: in arrival order, and sorted once per window for every percentile. */
const sampled = (n: number): Evidence => {
  const values = samples(n);
  return { kind: 'samples', values, sorted: Float64Array.from(values).sort() };
};
const outcomes = (n: number) => Uint8Array.from({ length: n }, () => (random() < 0.01 ? 1 : 0));
const histogram = (n: number): Evidence => {
  const values = samples(n);
  return {
    kind: 'histogram',
    buckets: [...ISTIO_BUCKETS_MS, Number.POSITIVE_INFINITY].map((le) => ({
      le,
      count: values.filter((value) => value <= le).length,
    })),
    sum: values.reduce((a, b) => a + b, 0),
  };
};
const mean: Objective = {
  ...P95_UNDER_100_MS,
  text: 'mean-latency < 50ms',
  metric: { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' },
  limit: { kind: 'absolute', value: 50 },
};
const relative = (objective: Objective): Objective => ({
  ...objective,
  comparator: '<=',
  limit: { kind: 'relative', scale: 1.2, offset: 0 },
});
const paired = (evidence: Evidence): Evidence => ({ ...evidence, pairing: 'bench' }) as Evidence;

const timings: readonly { name: string; input: Parameters<typeof decideObjective>[0] }[] = [
  {
    name: 'error-rate, counts',
    input: {
      objective: ERROR_RATE_UNDER_1_PERCENT,
      dark: { value: 0.01, evidence: { kind: 'counts', events: 400, trials: 40_000 } },
      alpha: 0.0125,
    },
  },
  {
    name: 'p95, Istio histogram',
    input: { objective: P95_UNDER_100_MS, dark: { value: 90, evidence: histogram(40_000) }, alpha: 0.0125 },
  },
  {
    name: 'mean, Istio histogram',
    input: { objective: mean, dark: { value: 30, evidence: histogram(40_000) }, alpha: 0.0125 },
  },
  {
    name: 'p95, 40,000 raw samples',
    input: {
      objective: P95_UNDER_100_MS,
      dark: { value: 90, evidence: sampled(40_000) },
      alpha: 0.0125,
    },
  },
  {
    name: 'p95 relative, 2 × 40,000 raw samples',
    input: {
      objective: relative(P95_UNDER_100_MS),
      dark: { value: 90, evidence: sampled(40_000) },
      live: { value: 90, evidence: sampled(40_000) },
      alpha: 0.0125,
    },
  },
  {
    name: 'error-rate relative, 40,000 pairs',
    input: {
      objective: relative(ERROR_RATE_UNDER_1_PERCENT),
      dark: {
        value: 0.01,
        evidence: paired({ kind: 'counts', events: 400, trials: 40_000, outcomes: outcomes(40_000) }),
      },
      live: {
        value: 0.01,
        evidence: paired({ kind: 'counts', events: 400, trials: 40_000, outcomes: outcomes(40_000) }),
      },
      alpha: 0.0125,
    },
  },
  {
    name: 'mean relative, 40,000 pairs',
    input: {
      objective: relative(mean),
      dark: { value: 30, evidence: paired({ kind: 'samples', values: samples(40_000) }) },
      live: { value: 30, evidence: paired({ kind: 'samples', values: samples(40_000) }) },
      alpha: 0.0125,
    },
  },
];

console.log('\n### Time per decision (one objective, one iteration; goal ≤ 1 ms)\n');
console.log('| evidence | decision: median (p99) | projection at the last iteration: median (p99) |');
console.log('| --- | --- | --- |');
for (const { name, input } of timings) {
  const decision = timed(() => decideObjective(input));
  const projection = timed(() => requestsToDecide(input), 50);
  const ms = ({ median, p99 }: { median: number; p99: number }) =>
    `${median.toFixed(3)} ms (${p99.toFixed(3)} ms)`;
  console.log(`| ${name} | ${ms(decision)} | ${ms(projection)} |`);
}
