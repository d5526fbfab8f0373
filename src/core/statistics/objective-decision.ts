import type { CountEvidence, Evidence, SampleEvidence } from '../evidence.js';
import { formatValue } from '../format-value.js';
import type { Comparator, Objective } from '../model.js';
import { boundedMeanInterval } from './bounded-mean-bounds.js';
import { affine, difference, type Interval } from './interval.js';
import { meanInterval } from './mean-bounds.js';
import { moments, type SideEstimate, sideEstimate } from './side-estimate.js';

/** One version's reading as the decision needs it. */
export interface MeasuredSide {
  readonly value: number;
  readonly evidence?: Evidence;
}

export interface DecisionInput {
  readonly objective: Objective;
  readonly dark: MeasuredSide;
  /** Required for relative objectives. */
  readonly live?: MeasuredSide;
  /** The chance this objective may be decided the wrong way, over the whole run (its share of 1 − confidence). */
  readonly alpha: number;
}

export type BoundStatus = 'met' | 'breached' | 'undecided';

/** The intervals a decision rested on. */
export interface ObjectiveBound {
  /** The confidence of `estimate`. */
  readonly level: number;
  /** Where dark's value lies. */
  readonly estimate: Interval;
  /** Where the limit lies, for a relative objective (from live's interval), or the limit itself. */
  readonly limit: Interval;
  /** Where dark minus the limit lies: what was compared with 0. For paired readings, bounded directly. */
  readonly margin: Interval;
  readonly method: string;
  /** Both versions were measured on the same requests, and the bound used the pairs. */
  readonly paired: boolean;
  readonly assumptions: readonly string[];
}

export type Decision =
  | { readonly status: BoundStatus; readonly bound: ObjectiveBound }
  | { readonly status: 'value-only'; readonly reason: string };

/** Priors of relative proportions cannot sit at the limit, which moves with live: they sit at a typical rate. */
const RELATIVE_RATE_PRIOR_CENTER = 0.01;

/**
 * Decides one objective at confidence 1 − α: `met` when the bound shows the limit holds, `breached` when it
 * shows it is violated, `undecided` otherwise. Every interval is a confidence sequence, valid at every look.
 * Relative objectives bound both versions at α/2 each, or, where the source measured both on the same requests,
 * the per-request difference at α (paired, which cancels what the two answers share).
 */
export function decideObjective(input: DecisionInput): Decision {
  const judged = judge(input);
  if (typeof judged === 'string') return { status: 'value-only', reason: judged };
  const bound = judged.at(1);
  return { status: classify(input.objective.comparator, bound.margin), bound };
}

/**
 * About how many more dark requests would settle an undecided objective if what was measured so far held, or
 * undefined when no amount would (the estimate sits on the limit).
 */
export function requestsToDecide(input: DecisionInput): number | undefined {
  const judged = judge(input);
  if (typeof judged === 'string') return undefined;
  const comparator = input.objective.comparator;
  const settled = (factor: number) => classify(comparator, judged.at(factor).margin) !== 'undecided';
  if (settled(1)) return 0;
  // "About" is the promise: a factor found to within 5%, by quadrupling then bisecting.
  let high = 4;
  while (!settled(high)) {
    if (high >= MAX_FACTOR) return undefined;
    high *= 4;
  }
  let low = high / 4;
  while (high - low > 0.05 * low) {
    const middle = (low + high) / 2;
    if (settled(middle)) high = middle;
    else low = middle;
  }
  return Math.ceil(judged.count * (high - 1));
}

/** Beyond a million times the data, "more requests" is no longer advice. */
const MAX_FACTOR = 2 ** 20;

export function classify(comparator: Comparator, margin: Interval): BoundStatus {
  const { low, high } = margin;
  if (Number.isNaN(low) || Number.isNaN(high)) return 'undecided';
  // An open end at 0 excludes 0 itself: strictly below (or above) the limit.
  const below = high < 0 || (high === 0 && margin.openHigh === true);
  const above = low > 0 || (low === 0 && margin.openLow === true);
  switch (comparator) {
    case '<':
      return below ? 'met' : low >= 0 ? 'breached' : 'undecided';
    case '<=':
      return high <= 0 ? 'met' : above ? 'breached' : 'undecided';
    case '>':
      return above ? 'met' : high <= 0 ? 'breached' : 'undecided';
    case '>=':
      return low >= 0 ? 'met' : below ? 'breached' : 'undecided';
  }
}

interface Judgement {
  /** Dark requests behind the decision. */
  readonly count: number;
  /** The bound over `factor` times the requests seen so far. */
  at(factor: number): ObjectiveBound;
}

function judge({ objective, dark, live, alpha }: DecisionInput): Judgement | string {
  const { metric, limit } = objective;
  const center = limit.kind === 'absolute' ? limit.value : RELATIVE_RATE_PRIOR_CENTER;
  const darkSide = sideEstimate(metric, dark.evidence, center);
  if (typeof darkSide === 'string') return darkSide;

  if (limit.kind === 'absolute') {
    const notes = [...darkSide.assumptions, ...bucketNotes(objective, dark.evidence, limit.value)];
    const point = { low: limit.value, high: limit.value };
    return {
      count: darkSide.count,
      at(factor) {
        const estimate = (factor === 1 ? darkSide : darkSide.scaled(factor)).interval(alpha);
        return bound(1 - alpha, estimate, point, difference(estimate, point), darkSide, false, notes);
      },
    };
  }

  if (!live) return `live ${metric.id} was not read`;
  const paired = pairedJudgement(objective, dark, live, alpha, darkSide);
  if (paired) return paired;
  const liveSide = sideEstimate(metric, live.evidence, center);
  if (typeof liveSide === 'string') return `live: ${liveSide}`;
  const notes = [...new Set([...darkSide.assumptions, ...liveSide.assumptions])];
  return {
    count: darkSide.count,
    at(factor) {
      const scale = (side: SideEstimate) => (factor === 1 ? side : side.scaled(factor));
      const estimate = scale(darkSide).interval(alpha / 2);
      // Mirroring grows both versions' requests together.
      const liveInterval = scale(liveSide).interval(alpha / 2);
      const limitInterval = affine(liveInterval, limit.scale, limit.offset);
      return bound(
        1 - alpha / 2,
        estimate,
        limitInterval,
        difference(estimate, limitInterval),
        darkSide,
        false,
        notes,
      );
    },
  };
}

/**
 * Paired bounds, where dark's and live's evidence are the same requests in the same order: the error outcomes
 * (bounded, so the empirical-Bernstein sequence needs no further assumption) or the latencies (asymptotic).
 * Percentiles have no per-request difference to bound, so they stay unpaired.
 */
function pairedJudgement(
  objective: Objective,
  dark: MeasuredSide,
  live: MeasuredSide,
  alpha: number,
  darkSide: SideEstimate,
): Judgement | undefined {
  const { limit, metric } = objective;
  if (limit.kind !== 'relative' || limit.scale < 0) return undefined;
  const d = dark.evidence;
  const l = live.evidence;
  if (!d || !l || d.kind !== l.kind || !pairable(d) || !pairable(l) || d.pairing !== l.pairing)
    return undefined;
  const s = limit.scale;
  const display = (factor: number) => (factor === 1 ? darkSide : darkSide.scaled(factor)).interval(alpha);
  const limitPoint = (margin: Interval, estimate: Interval): Interval => ({
    low: estimate.low - margin.high,
    high: estimate.high - margin.low,
  });

  if (d.kind === 'counts' && l.kind === 'counts' && d.outcomes && l.outcomes) {
    if (d.outcomes.length !== l.outcomes.length) return undefined;
    // Z = dark − s·live lies in [−s, 1]; rescaled to [0, 1] for the bounded-mean sequence.
    const z = new Float64Array(d.outcomes.length);
    for (let i = 0; i < z.length; i++) {
      z[i] = ((d.outcomes[i] as number) - s * (l.outcomes[i] as number) + s) / (1 + s);
    }
    // The moments serve only the projection, which most decisions never make.
    let spread: { mean: number; sd: number } | undefined;
    const notes = ['paired on the same mirrored requests'];
    return {
      count: z.length,
      at(factor) {
        let unit: Interval;
        if (factor === 1) unit = boundedMeanInterval(z, alpha);
        else {
          // Projection only: more of the same pairs, through the asymptotic bound on their moments.
          spread ??= moments(z);
          unit = meanInterval(z.length * factor, spread.mean, spread.sd, alpha);
        }
        const margin = {
          low: unit.low * (1 + s) - s - limit.offset,
          high: unit.high * (1 + s) - s - limit.offset,
        };
        const estimate = display(factor);
        return bound(1 - alpha, estimate, limitPoint(margin, estimate), margin, darkSide, true, notes, {
          method: 'paired empirical-Bernstein confidence sequence',
        });
      },
    };
  }

  if (metric.kind === 'mean-latency' && d.kind === 'samples' && l.kind === 'samples') {
    if (d.values.length !== l.values.length) return undefined;
    const differences = new Float64Array(d.values.length);
    for (let i = 0; i < differences.length; i++) {
      // NaN (no response on either side) drops the pair.
      differences[i] = (d.values[i] as number) - s * (l.values[i] as number);
    }
    const { count, mean, sd } = moments(differences);
    const notes = [
      'paired on the same mirrored requests',
      'asymptotic: assumes independent requests with a finite variance, so it is approximate for small samples',
    ];
    return {
      count,
      at(factor) {
        const interval = meanInterval(Math.round(count * factor), mean, sd, alpha);
        const margin = { low: interval.low - limit.offset, high: interval.high - limit.offset };
        const estimate = display(factor);
        return bound(1 - alpha, estimate, limitPoint(margin, estimate), margin, darkSide, true, notes, {
          method: 'paired asymptotic confidence sequence',
        });
      },
    };
  }
  return undefined;
}

function pairable(evidence: Evidence): evidence is CountEvidence | SampleEvidence {
  return (evidence.kind === 'counts' || evidence.kind === 'samples') && evidence.pairing !== undefined;
}

function bound(
  level: number,
  estimate: Interval,
  limit: Interval,
  margin: Interval,
  side: SideEstimate,
  paired: boolean,
  assumptions: readonly string[],
  override: { method?: string } = {},
): ObjectiveBound {
  return { level, estimate, limit, margin, method: override.method ?? side.method, paired, assumptions };
}

/**
 * A percentile limit inside a histogram bucket can only be decided on the bucket's bounds: Prometheus's
 * interpolation inside the bucket is an assumption, not evidence. Say so, and name the sharper limits.
 */
function bucketNotes(objective: Objective, evidence: Evidence | undefined, limit: number): string[] {
  if (objective.metric.kind !== 'latency-percentile' || evidence?.kind !== 'histogram') return [];
  let lower = 0;
  for (const bucket of evidence.buckets) {
    if (Math.abs(bucket.le - limit) <= 1e-9 * Math.max(1, limit)) return [];
    if (bucket.le > limit) {
      const upper = Number.isFinite(bucket.le) ? formatValue(bucket.le, 'ms') : '+Inf';
      const sharper = [
        lower > 0 ? formatValue(lower, 'ms') : undefined,
        Number.isFinite(bucket.le) ? upper : undefined,
      ]
        .filter((value) => value !== undefined)
        .join(' or ');
      return [
        `the limit ${formatValue(limit, 'ms')} is inside the bucket (${formatValue(lower, 'ms')}, ${upper}]: ` +
          `decided on the bucket bounds, not on Prometheus's interpolation inside it` +
          (sharper ? `; a limit at a bucket bound (${sharper}) is sharper` : ''),
      ];
    }
    lower = bucket.le;
  }
  return [];
}
