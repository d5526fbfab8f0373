/**
 * The number of requests at which the confidence sequences are tuned to be tightest. Any fixed value keeps them
 * valid; it only moves where they are narrowest relative to a fixed-horizon interval. 1,000 requests is about a
 * PR gate's window (10 iterations of 10 s at 10 mirrored requests/s), and the Monte Carlo tests and
 * `npm run bench` measure the cost elsewhere.
 */
export const TUNED_FOR_REQUESTS = 1000;

/** `2 ln(1/α) + ln(1 + 2 ln(1/α))`: the normal-mixture width factor at the tuned sample size (Howard et al. 2021). */
export function mixtureFactor(alpha: number): number {
  const twice = 2 * Math.log(1 / alpha);
  return twice + Math.log(1 + twice);
}
