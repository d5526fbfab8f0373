import type { Objective } from '../core/model.js';
import type { ExperimentResult, IterationResult } from '../core/result.js';
import type { Interval } from '../core/statistics/interval.js';

interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

export interface LatencyTrendChart {
  /** Mermaid `xychart-beta` source, without the fence. */
  readonly mermaid: string;
  /** Series names in drawing order (xychart draws no legend everywhere GitHub renders it). */
  readonly seriesNames: readonly string[];
  /** Iterations left off the x-axis because a latency value or its limit was missing. */
  readonly skippedIterations: readonly number[];
}

/** Mermaid strings are double-quoted with no escape syntax, so names are reduced to a plain alphabet. */
function chartLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._%()/-]/g, '_');
}

/** xychart numbers admit no exponent, so values are printed in fixed notation. */
function chartNumber(value: number): string {
  return String(Number(value.toFixed(3)));
}

/** `value` rounded up to two significant digits, so the y-axis ends on a round number just above it. */
function roundAxisMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** (Math.floor(Math.log10(value)) - 1);
  // The epsilon keeps float noise (100 * 1.1 = 110.00000000000001) from adding a step.
  return Math.ceil(value / step - 1e-9) * step;
}

type ChartPoint = { readonly dark: number; readonly limit: number; readonly bound?: Interval };

/** The dark value, its interval when a bound gave one, and the resolved limit of one objective in one iteration. */
function chartPoint(iteration: IterationResult, objective: Objective): ChartPoint | undefined {
  const assessment = iteration.assessments.find((a) => a.objective.text === objective.text);
  if (assessment?.dark.status !== 'ok' || assessment.limit === undefined) return undefined;
  const bound = assessment.bound?.estimate;
  return { dark: assessment.dark.value, limit: assessment.limit, ...(bound ? { bound } : {}) };
}

/**
 * Latency across iterations: for each latency objective one line for the dark value and one for its
 * limit. xychart lines need a value for every x category, so an iteration missing any of them is left
 * off the axis rather than filled in. Undefined when there is no latency objective or no chartable iteration.
 */
export function buildLatencyTrendChart(result: ExperimentResult): LatencyTrendChart | undefined {
  const objectives = result.plan.objectives.filter((o) => o.metric.unit === 'ms');
  const charted = result.iterations.filter((it) => objectives.every((o) => chartPoint(it, o)));
  if (objectives.length === 0 || charted.length === 0) return undefined;

  const series: Series[] = objectives.flatMap((objective) => {
    const points = charted.flatMap((it) => chartPoint(it, objective) ?? []);
    const bounds = points.flatMap((p) => (p.bound ? [p.bound] : []));
    return [
      { name: `${objective.metric.id} dark`, values: points.map((p) => p.dark) },
      { name: `${objective.metric.id} limit`, values: points.map((p) => p.limit) },
      // A line needs every point, so bounds are drawn only where every charted iteration has one.
      ...(bounds.length === points.length
        ? [
            { name: `${objective.metric.id} dark low`, values: bounds.map((b) => b.low) },
            { name: `${objective.metric.id} dark high`, values: bounds.map((b) => b.high) },
          ]
        : []),
    ];
  });
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const yMax = roundAxisMax(Math.max(...all) * 1.1);
  // A relative limit with a negative offset can dip below zero; keep it on the chart.
  const yMin = Math.min(...all) < 0 ? -roundAxisMax(-Math.min(...all) * 1.1) : 0;
  const lines = [
    'xychart-beta',
    '  title "Latency by iteration"',
    `  x-axis "iteration" [${charted.map((it) => `"${it.index}"`).join(', ')}]`,
    `  y-axis "ms" ${chartNumber(yMin)} --> ${chartNumber(yMax)}`,
    // An end the evidence does not bound is drawn at the axis's end.
    ...series.map(
      (s) =>
        `  line "${chartLabel(s.name)}" [${s.values.map((v) => chartNumber(Math.min(yMax, Math.max(yMin, v)))).join(', ')}]`,
    ),
  ];
  const chartedIndexes = new Set(charted.map((it) => it.index));
  return {
    mermaid: lines.join('\n'),
    seriesNames: series.map((s) => s.name),
    skippedIterations: result.iterations.map((it) => it.index).filter((i) => !chartedIndexes.has(i)),
  };
}
