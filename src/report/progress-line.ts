import type { IterationProgress } from '../core/evaluation-loop.js';
import { formatLimit, formatValue } from '../core/format-value.js';
import type { IterationResult } from '../core/result.js';
import { formatEstimate, formatReading } from './value-format.js';
import { STATUS_SYMBOL } from './verdict-text.js';

/**
 * One log line per iteration: every objective's value (with its confidence interval), limit and mark, the
 * requests so far and the time left.
 * `[3/10] p95-latency 42.1 ms [38.2 ms, 47.9 ms] (< 100 ms) ✓ · error-rate 0.2% [0%, 1.1%] (< 1%) … · requests 812 · 70s left`
 */
export function formatProgressLine(iteration: IterationResult, progress: IterationProgress): string {
  const objectives = iteration.assessments.map((a) => {
    const limit =
      a.objective.limit.kind === 'relative' && a.limit !== undefined
        ? `${formatLimit(a.objective)} = ${formatValue(a.limit, a.objective.metric.unit)}`
        : formatLimit(a.objective);
    return `${a.objective.metric.id} ${formatEstimate(a)} (${limit}) ${STATUS_SYMBOL[a.status]}`;
  });
  const live = iteration.requests.live ? ` (live ${formatReading(iteration.requests.live, 'count')})` : '';
  const left = Math.max(0, Math.round((progress.endsAt - iteration.window.end) / 1000));
  return [
    `[${iteration.index}/${progress.iterations}] ${objectives.join(' · ')}`,
    `requests ${formatReading(iteration.requests.dark, 'count')}${live}`,
    `${left}s left`,
  ].join(' · ');
}
