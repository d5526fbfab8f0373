import type { DecisionPolicy } from '../core/model.js';
import type { ExperimentResult, ObjectiveAssessment } from '../core/result.js';
import { type ClusterOutcome, clusterOutcomeLines } from './cluster-outcome.js';
import { assessmentNotes, statusDetail } from './objective-text.js';
import { responseDifferenceLines } from './response-differences.js';
import { trafficLines } from './traffic-lines.js';
import { formatEstimate, formatReading, formatResolvedLimit } from './value-format.js';
import { describeDecision, describeStop, lastIteration, STATUS_SYMBOL } from './verdict-text.js';

/** Untrusted text must not move the cursor or recolour the terminal: control characters become spaces. */
function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>(
    (acc, row) => row.map((cell, i) => Math.max(acc[i] ?? 0, cell.length)),
    [],
  );
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function objectiveRow(a: ObjectiveAssessment, decision: DecisionPolicy): string[] {
  const unit = a.objective.metric.unit;
  const detail = statusDetail(a, decision);
  const status = `${STATUS_SYMBOL[a.status]} ${a.status}${detail ? ` (${detail})` : ''}`;
  return [
    a.objective.text,
    formatEstimate(a),
    a.live ? formatReading(a.live, unit) : '-',
    formatResolvedLimit(a.objective, a.limit),
    status,
  ].map(plain);
}

/**
 * The CLI's report: target, an aligned table of the last iteration's objectives, how the run stopped, verdict,
 * and promotion and cleanup when the run deployed the dark version.
 */
export function renderTerminalReport(result: ExperimentResult, cluster?: ClusterOutcome): string {
  const { target } = result.plan;
  const last = lastIteration(result);
  const lines = [
    plain(`Shadowgate: ${result.plan.name}`),
    plain(
      `Target: ${target.namespace}/${target.service}  dark ${target.darkRevision}  live ${target.liveRevision ?? '-'}`,
    ),
    plain(`Metrics: ${result.source}`),
    '',
  ];
  if (last) {
    lines.push(
      `Objectives (iteration ${last.index}):`,
      ...alignColumns([
        ['Objective', 'Dark', 'Live', 'Limit', 'Status'],
        ...last.assessments.map((a) => objectiveRow(a, result.plan.decision)),
      ]).map((row) => `  ${row}`),
      ...assessmentNotes(last.assessments).map((note) => plain(`  ${note}`)),
      '',
      `Requests: dark ${formatReading(last.requests.dark, 'count')}${
        last.requests.live ? `  live ${formatReading(last.requests.live, 'count')}` : ''
      }`,
    );
  } else {
    lines.push('No iteration completed, so no objective was assessed.');
  }
  lines.push(
    plain(`Run: ${describeStop(result)}`),
    plain(`Decision: ${describeDecision(result.plan)}`),
    ...[
      ...(result.traffic ? trafficLines(result.traffic) : []),
      ...(cluster ? clusterOutcomeLines(cluster) : []),
    ].map(([label, text]) => plain(`${label}: ${text}`)),
    ...(result.traffic?.compare ? responseDifferenceLines(result.traffic.compare).map(plain) : []),
    plain(`Verdict: ${result.verdict.toUpperCase()} - ${result.reason}`),
  );
  return `${lines.join('\n')}\n`;
}
