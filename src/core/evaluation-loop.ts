import { assessObjective, countsForFailFast, settledForEarlyStop, sufficiency } from './assessment.js';
import { REQUEST_COUNT } from './builtin-metrics.js';
import type { Clock } from './clock.js';
import type { MetricReading, MetricsSource } from './metrics-source.js';
import type { EvaluationPlan, MetricSpec, TimeWindow, Version } from './model.js';
import type { ExperimentResult, IterationResult, RenderedQuery, StopReason } from './result.js';
import { objectiveAlpha } from './statistics/alpha-split.js';
import { iterationVerdict } from './verdict.js';

export interface IterationProgress {
  readonly iterations: number;
  /** When the last iteration is due, epoch ms. */
  readonly endsAt: number;
}

export interface EvaluationDependencies {
  readonly source: MetricsSource;
  readonly clock: Clock;
  /** Called after each iteration, e.g. to print its progress line. */
  readonly onIteration?: (iteration: IterationResult, progress: IterationProgress) => void;
  /** Aborting ends the run at the next wait with stop reason `aborted` and verdict `inconclusive`. */
  readonly signal?: AbortSignal;
}

/**
 * Runs the iterations of a plan: iteration i at start + i·interval over the cumulative window [start, t_i].
 * The verdict is the last iteration's, unless the run stopped earlier: with confidence bounds, on the first
 * confident breach (fail-fast) or once every objective is confidently met (early pass); with point decisions,
 * once a breach held for fail-fast-after iterations.
 * Resolves with the full result; rejects only with a ConfigurationError from the source.
 */
export async function runEvaluation(
  plan: EvaluationPlan,
  deps: EvaluationDependencies,
): Promise<ExperimentResult> {
  const { clock, signal } = deps;
  const startedAt = clock.now();
  const progress = { iterations: plan.iterations, endsAt: startedAt + plan.iterations * plan.intervalMs };
  const iterations: IterationResult[] = [];
  const queries = new Map<string, RenderedQuery>();
  const readLive = plan.objectives.some((o) => o.limit.kind === 'relative');
  const alpha = objectiveAlpha(plan);
  let consecutiveBreaches = 0;
  let stop: { reason: StopReason; detail: string } = {
    reason: 'completed',
    detail: `all ${plan.iterations} iterations ran`,
  };

  for (let index = 1; index <= plan.iterations; index++) {
    try {
      await clock.sleepUntil(startedAt + index * plan.intervalMs, signal);
    } catch (error) {
      if (!signal?.aborted) throw error;
      stop = {
        reason: 'aborted',
        detail: `aborted before iteration ${index}: ${describeAbort(signal.reason)}`,
      };
      break;
    }
    const window = { start: startedAt, end: startedAt + index * plan.intervalMs };
    const iteration = await runIteration(plan, { index, window, readLive, alpha }, deps.source, signal);
    for (const { metricId, version, reading } of readingsOf(iteration)) {
      const rendered = [
        ...(reading.query ? [{ metricId, query: reading.query }] : []),
        ...(reading.evidenceQueries ?? []).map((query) => ({ metricId: `${metricId} evidence`, query })),
      ];
      // Keyed by role, not text: each iteration's window changes the text, and the last one is kept.
      rendered.forEach(({ metricId: id, query }, role) => {
        queries.set(`${version}\u0000${metricId}\u0000${role}`, { metricId: id, version, query });
      });
    }
    iterations.push(iteration);
    deps.onIteration?.(iteration, progress);

    if (index === plan.iterations) break;
    if (plan.decision.mode === 'point') {
      const failFastBreaches = iteration.assessments.filter(countsForFailFast);
      consecutiveBreaches = failFastBreaches.length > 0 ? consecutiveBreaches + 1 : 0;
      if (plan.failFast.enabled && consecutiveBreaches >= plan.failFast.consecutiveBreaches) {
        stop = {
          reason: 'fail-fast',
          detail: `stopped after iteration ${index} of ${plan.iterations}: breach held for ${consecutiveBreaches} consecutive iterations (${failFastBreaches.map((a) => a.reason).join('; ')})`,
        };
        break;
      }
      continue;
    }
    const { earlyPass, minIterations, minDurationMs } = plan.decision;
    const breached = iteration.assessments.filter((a) => settledForEarlyStop(a, 'breached'));
    if (plan.failFast.enabled && breached.length > 0) {
      stop = {
        reason: 'fail-fast',
        detail: `stopped after iteration ${index} of ${plan.iterations}: confidently breached (${breached.map((a) => a.reason).join('; ')})`,
      };
      break;
    }
    const allMet = iteration.assessments.every((a) => settledForEarlyStop(a, 'met'));
    if (earlyPass && allMet && index >= minIterations && window.end - window.start >= minDurationMs) {
      stop = {
        reason: 'early-pass',
        detail: `stopped after iteration ${index} of ${plan.iterations}: every objective confidently met`,
      };
      break;
    }
  }

  const last = iterations.at(-1);
  const verdict = stop.reason === 'aborted' || !last ? 'inconclusive' : last.verdict;
  const reason = stop.reason === 'aborted' ? `run ${stop.detail}` : last ? last.reason : 'no iteration ran';
  return {
    plan,
    verdict,
    reason,
    stop,
    startedAt,
    endedAt: clock.now(),
    iterations,
    queries: [...queries.values()],
    source: deps.source.description,
  };
}

interface IterationSpec {
  readonly index: number;
  readonly window: TimeWindow;
  readonly readLive: boolean;
  /** Each objective's share of 1 − confidence; absent with point decisions. */
  readonly alpha: number | undefined;
}

async function runIteration(
  plan: EvaluationPlan,
  { index, window, readLive, alpha }: IterationSpec,
  source: MetricsSource,
  signal: AbortSignal | undefined,
): Promise<IterationResult> {
  const read = (metric: MetricSpec, version: Version) => source.read({ metric, version, window }, signal);
  const [darkRequests, liveRequests, ...readings] = await Promise.all([
    read(REQUEST_COUNT, 'dark'),
    readLive ? read(REQUEST_COUNT, 'live') : undefined,
    ...plan.objectives.map(async (objective) => {
      const relative = objective.limit.kind === 'relative';
      const isCount = objective.metric.kind === 'request-count';
      const [dark, live] = await Promise.all([
        isCount ? undefined : read(objective.metric, 'dark'),
        relative && !isCount ? read(objective.metric, 'live') : undefined,
      ]);
      return { dark, live };
    }),
  ]);
  const darkTraffic = sufficiency(darkRequests, plan.minRequests, 'dark');
  const liveTraffic = sufficiency(liveRequests, plan.minRequests, 'live');
  const assessments = plan.objectives.map((objective, i) => {
    const isCount = objective.metric.kind === 'request-count';
    const reading = readings[i];
    const dark = (isCount ? darkRequests : reading?.dark) as MetricReading;
    const live = isCount ? liveRequests : reading?.live;
    return assessObjective({
      objective,
      dark,
      ...(live ? { live } : {}),
      darkTraffic,
      liveTraffic,
      ...(alpha === undefined ? {} : { alpha }),
      final: index === plan.iterations,
      elapsedMs: window.end - window.start,
    });
  });
  const { verdict, reason } = iterationVerdict(assessments);
  return {
    index,
    window,
    requests: liveRequests ? { dark: darkRequests, live: liveRequests } : { dark: darkRequests },
    assessments,
    verdict,
    reason,
  };
}

function readingsOf(iteration: IterationResult) {
  const all = [
    { metricId: REQUEST_COUNT.id, version: 'dark' as const, reading: iteration.requests.dark },
    ...(iteration.requests.live
      ? [{ metricId: REQUEST_COUNT.id, version: 'live' as const, reading: iteration.requests.live }]
      : []),
  ];
  for (const a of iteration.assessments) {
    all.push({ metricId: a.objective.metric.id, version: 'dark', reading: a.dark });
    if (a.live) all.push({ metricId: a.objective.metric.id, version: 'live', reading: a.live });
  }
  return all;
}

function describeAbort(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason ?? 'signal');
}
