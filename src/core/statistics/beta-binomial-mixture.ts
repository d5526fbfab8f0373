import betaln from '@stdlib/math-base-special-betaln';
import type { Interval } from './interval.js';
import { mixtureFactor, TUNED_FOR_REQUESTS } from './tuning.js';

/**
 * Time-uniform bounds for a proportion from a beta-binomial mixture martingale (Robbins 1970; Howard, Ramdas,
 * McAuliffe, Sekhon 2021). Against a candidate proportion p, with k events in n trials, the likelihood ratio
 * mixed over a Beta(a, b) prior,
 *
 *   M_n(p) = B(a + k, b + n − k) / (B(a, b) · p^k · (1 − p)^(n − k)),
 *
 * is a nonnegative martingale with mean 1 when p is the truth, so by Ville's inequality it exceeds 1/α at any
 * n, ever, with probability at most α. The p it has not ruled out form a confidence sequence: watched after every
 * request, it misses the truth with probability at most α.
 *
 * The prior is centred on `center` (the objective's limit, where a decision is hardest) with a strength tuned
 * so the sequence is tightest near TUNED_FOR_REQUESTS; any fixed prior keeps the guarantee.
 */
export interface BetaPrior {
  readonly a: number;
  readonly b: number;
}

export function priorAround(center: number, alpha: number): BetaPrior {
  const strength = Math.max(2, TUNED_FOR_REQUESTS / mixtureFactor(alpha));
  const c = Math.min(1 - 1e-9, Math.max(1e-9, center));
  return { a: strength * c, b: strength * (1 - c) };
}

/** ln M_n(p) for `events` of `trials`. */
export function logMixtureRatio(events: number, trials: number, p: number, prior: BetaPrior): number {
  return (
    betaln(prior.a + events, prior.b + trials - events) -
    betaln(prior.a, prior.b) -
    xlogy(events, p) -
    xlogy(trials - events, 1 - p)
  );
}

/**
 * The proportions not ruled out at level α: {p : M_n(p) < 1/α}. With the prior fixed, ln M_n is convex in p
 * with its minimum (at most 0) at k/n, so the set is an interval found by bisection on each side.
 */
export function proportionInterval(
  events: number,
  trials: number,
  alpha: number,
  prior: BetaPrior,
): Interval {
  if (trials <= 0) return { low: 0, high: 1 };
  const threshold = Math.log(1 / alpha);
  const constant = betaln(prior.a + events, prior.b + trials - events) - betaln(prior.a, prior.b);
  const excess = (p: number) => constant - xlogy(events, p) - xlogy(trials - events, 1 - p) - threshold;
  const estimate = events / trials;
  return {
    low: events <= 0 ? 0 : bisect(excess, 0, estimate),
    high: events >= trials ? 1 : bisect(excess, 1, estimate),
  };
}

/**
 * The event counts a Bernoulli(p) process can show at n trials without its mixture martingale reaching 1/α:
 * the open real interval (low, high) around n·p, with the prior centred on p. `low` is −1 and `high` n + 1
 * where the count itself sets no bound. With probability at least 1 − α the count stays inside at every n.
 */
export function binomialAcceptance(trials: number, p: number, alpha: number): Interval {
  const prior = priorAround(p, alpha);
  const threshold = Math.log(1 / alpha);
  const excess = (k: number) => logMixtureRatio(k, trials, p, prior) - threshold;
  const center = trials * p;
  return {
    low: excess(0) < 0 ? -1 : bisect(excess, 0, center),
    high: excess(trials) < 0 ? trials + 1 : bisect(excess, trials, center),
  };
}

/**
 * The point between `outside` (where f ≥ 0) and `inside` (where f < 0) at which f crosses 0, to within
 * floating-point resolution; f is convex, so there is one crossing between them.
 */
function bisect(f: (x: number) => number, outside: number, inside: number): number {
  let out = outside;
  let ins = inside;
  for (let i = 0; i < 100 && Math.abs(out - ins) > 1e-12 * Math.max(1, Math.abs(ins)); i++) {
    const middle = (out + ins) / 2;
    if (f(middle) >= 0) out = middle;
    else ins = middle;
  }
  return out;
}

/** x · ln y, with 0 · ln 0 = 0. */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}
