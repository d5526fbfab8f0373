import type { Interval } from './interval.js';

/**
 * A nonasymptotic, time-uniform confidence sequence for the mean of values in [0, 1] observed in order: the
 * predictable plug-in empirical-Bernstein sequence of Waudby-Smith & Ramdas, "Estimating means of bounded
 * random variables by betting" (JRSS-B 2024), Theorem 2. Each value's weight depends only on the values before
 * it, which is what makes the bound hold at every n at once. Needs only independence and the bounds.
 */
export function boundedMeanInterval(values: ArrayLike<number>, alpha: number): Interval {
  const n = values.length;
  if (n === 0) return { low: 0, high: 1 };
  const logTerm = Math.log(2 / alpha);
  let sum = 0;
  let squares = 0;
  let weights = 0;
  let weighted = 0;
  let penalty = 0;
  let mean = 0.5;
  let variance = 0.25;
  let lambda = 0;
  let psiOfLambda = 0;
  for (let i = 1; i <= n; i++) {
    // The weight is recomputed every few values, from the values before: still predictable, and it keeps
    // the logarithms off most of the loop (a window can hold many thousands of pairs).
    if ((i - 1) % WEIGHT_BLOCK === 0) {
      lambda = Math.min(Math.sqrt((2 * logTerm) / (variance * i * Math.log(1 + i))), 0.5);
      psiOfLambda = psi(lambda);
    }
    const x = values[i - 1] as number;
    penalty += 4 * (x - mean) ** 2 * psiOfLambda;
    weights += lambda;
    weighted += lambda * x;
    sum += x;
    mean = (0.5 + sum) / (i + 1);
    squares += (x - mean) ** 2;
    variance = (0.25 + squares) / (i + 1);
  }
  const center = weighted / weights;
  const half = (logTerm + penalty) / weights;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

const WEIGHT_BLOCK = 16;

/** ψ_E(λ) = (−ln(1 − λ) − λ) / 4. */
function psi(lambda: number): number {
  return (-Math.log1p(-lambda) - lambda) / 4;
}
