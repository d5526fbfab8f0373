/**
 * Diffy's test of a field against noise (twitter/diffy, JoinedDifferences.scala): a field's differences between
 * the candidate and the primary count only when they are more frequent than between the primary and its
 * secondary copy, by more than 20% relative (|raw − noise| / (raw + noise)) and 0.03 percentage points absolute,
 * Diffy's default thresholds. Diffy counts both on the same requests; here the two sides may have compared
 * different numbers of requests (one may not have answered), so the test is on rates.
 */
export const NOISE_RELATIVE_THRESHOLD = 0.2;
export const NOISE_ABSOLUTE_THRESHOLD = 0.0003;

/**
 * Whether a field that differed between dark and live in `darkRate` of the compared requests, and between live and
 * its replica in `noiseRate` of theirs, is a real difference. A field the replica never showed differing has no
 * noise to be mistaken for: any difference on it counts.
 */
export function isRealDifference(darkRate: number, noiseRate: number): boolean {
  if (noiseRate === 0) return darkRate > 0;
  const gap = darkRate - noiseRate;
  return gap > 0 && gap / (darkRate + noiseRate) > NOISE_RELATIVE_THRESHOLD && gap > NOISE_ABSOLUTE_THRESHOLD;
}
