import type { DecisionPolicy, Verdict } from '../core/model.js';
import type { ExperimentResult, IterationResult, ObjectiveAssessment } from '../core/result.js';
import { type ClusterOutcome, clusterOutcomeLines } from './cluster-outcome.js';
import { buildLatencyTrendChart } from './latency-trend-chart.js';
import { escapeMarkdown, fencedCodeBlock, safeLinkTarget } from './markdown-escape.js';
import { assessmentNotes, statusDetail } from './objective-text.js';
import { responseDifferencesSection } from './response-differences.js';
import { trafficLines } from './traffic-lines.js';
import { formatEstimate, formatReading, formatResolvedLimit } from './value-format.js';
import {
  describeDecision,
  describeStop,
  lastIteration,
  STATUS_SYMBOL,
  VERDICT_ICON,
} from './verdict-text.js';

export interface ReportContext {
  readonly experimentName: string;
  /** Link to the workflow run, where the job summary and logs are. */
  readonly runUrl?: string;
  /** `owner/repo`. */
  readonly repository?: string;
  readonly sha?: string;
  /** Hidden first line that identifies the sticky comment; see `experimentMarker`. */
  readonly marker?: string;
  /** Promotion and cleanup, when the run deployed the dark version. */
  readonly cluster?: ClusterOutcome;
}

const HEADLINE: Readonly<Record<Verdict, string>> = {
  pass: 'passed',
  fail: 'failed',
  inconclusive: 'was inconclusive',
};

const NOT_APPLICABLE = '—';

function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [tableRow(header), tableRow(header.map(() => '---')), ...rows.map(tableRow)].join('\n');
}

/** A breach is already explained by the value and limit beside it; the rest say why, or what would settle it. */
function statusCell(assessment: ObjectiveAssessment, decision: DecisionPolicy): string {
  const detail = statusDetail(assessment, decision);
  const symbol = assessment.status === 'undecided' ? '… undecided' : STATUS_SYMBOL[assessment.status];
  return detail
    ? `${symbol}${assessment.status === 'undecided' ? ':' : ''} ${escapeMarkdown(detail)}`
    : symbol;
}

function liveCell(assessment: ObjectiveAssessment): string {
  return assessment.live ? formatReading(assessment.live, assessment.objective.metric.unit) : NOT_APPLICABLE;
}

function objectivesSection(result: ExperimentResult): string {
  const iteration = lastIteration(result);
  if (!iteration) return 'No iteration completed, so no objective was assessed.';
  const { decision } = result.plan;
  const rows = iteration.assessments.map((a) => [
    escapeMarkdown(a.objective.text),
    escapeMarkdown(formatEstimate(a)),
    liveCell(a),
    escapeMarkdown(formatResolvedLimit(a.objective, a.limit)),
    statusCell(a, decision),
  ]);
  const heading = `### Objectives (iteration ${iteration.index}, ${isoTime(iteration.window.start)} → ${isoTime(iteration.window.end)})`;
  const notes = assessmentNotes(iteration.assessments).map((note) => `- ${escapeMarkdown(note)}`);
  const header = [
    'Objective',
    decision.mode === 'confidence' ? 'Dark [interval]' : 'Dark',
    'Live',
    'Limit',
    'Status',
  ];
  return [heading, table(header, rows), ...(notes.length ? [notes.join('\n')] : [])].join('\n\n');
}

function requestsLine(iteration: IterationResult | undefined): string {
  if (!iteration) return 'none measured';
  const { dark, live } = iteration.requests;
  const liveText = live ? `, live ${formatReading(live, 'count')}` : '';
  return `dark ${formatReading(dark, 'count')}${liveText}`;
}

function summaryList(result: ExperimentResult, cluster: ClusterOutcome | undefined): string {
  const { target } = result.plan;
  const last = lastIteration(result);
  const outcomeLines = [
    ...(result.traffic ? trafficLines(result.traffic) : []),
    ...(cluster ? clusterOutcomeLines(cluster) : []),
  ];
  return [
    `- **Target:** ${escapeMarkdown(`${target.namespace}/${target.service}`)}`,
    `- **Dark revision:** ${escapeMarkdown(target.darkRevision)} · **Live revision:** ${escapeMarkdown(target.liveRevision ?? 'not named')}`,
    `- **Requests${last ? ` (iteration ${last.index} window)` : ''}:** ${requestsLine(last)}`,
    `- **Run:** ${escapeMarkdown(describeStop(result))}`,
    `- **Decision:** ${escapeMarkdown(describeDecision(result.plan))}`,
    `- **Metrics:** ${escapeMarkdown(result.source)}`,
    ...outcomeLines.map(([label, text]) => `- **${label}:** ${escapeMarkdown(text)}`),
  ].join('\n');
}

function trendSection(result: ExperimentResult): string | undefined {
  const chart = buildLatencyTrendChart(result);
  if (!chart) return undefined;
  const skipped = chart.skippedIterations.length
    ? ` Iterations without data are left out: ${chart.skippedIterations.join(', ')}.`
    : '';
  const bounds = chart.seriesNames.some((name) => name.endsWith(' dark high'))
    ? ' Low and high are the ends of the confidence interval; an end with no bound yet is drawn at the edge of the chart.'
    : '';
  const caption = `Lines in order: ${chart.seriesNames.map(escapeMarkdown).join(', ')}.${bounds}${skipped}`;
  return `### Latency trend\n\n${caption}\n\n${fencedCodeBlock(chart.mermaid, 'mermaid')}`;
}

function iterationValueCell(assessment: ObjectiveAssessment | undefined): string {
  if (!assessment) return NOT_APPLICABLE;
  const unit = assessment.objective.metric.unit;
  const dark = escapeMarkdown(formatEstimate(assessment));
  const live = assessment.live ? ` (live ${formatReading(assessment.live, unit)})` : '';
  return `${STATUS_SYMBOL[assessment.status]} ${dark}${live}`;
}

function iterationsTable(result: ExperimentResult): string {
  const objectives = result.plan.objectives;
  const header = ['#', 'Window', 'Requests', ...objectives.map((o) => escapeMarkdown(o.text)), 'Verdict'];
  const rows = result.iterations.map((it) => [
    String(it.index),
    `${isoTime(it.window.start)} → ${isoTime(it.window.end)}`,
    requestsLine(it),
    ...objectives.map((o) => iterationValueCell(it.assessments.find((a) => a.objective.text === o.text))),
    `${VERDICT_ICON[it.verdict]} ${it.verdict}: ${escapeMarkdown(it.reason)}`,
  ]);
  return table(header, rows);
}

function queriesBlock(result: ExperimentResult): string {
  if (result.queries.length === 0) return 'No queries were rendered.';
  return result.queries
    .map((q) => `**${escapeMarkdown(q.metricId)}** (${q.version})\n\n${fencedCodeBlock(q.query, 'promql')}`)
    .join('\n\n');
}

function detailsSection(result: ExperimentResult): string {
  const iterations = result.iterations.length ? iterationsTable(result) : 'No iteration completed.';
  return [
    '<details>',
    '<summary>Queries and iterations</summary>',
    '',
    `Run from ${isoTime(result.startedAt)} to ${isoTime(result.endedAt)}; windows are cumulative from the start.`,
    '',
    '#### Iterations',
    '',
    iterations,
    '',
    '#### Queries',
    '',
    queriesBlock(result),
    '',
    '</details>',
  ].join('\n');
}

function footer(context: ReportContext): string | undefined {
  const parts: string[] = [];
  const runLink = context.runUrl ? safeLinkTarget(context.runUrl) : undefined;
  if (runLink) parts.push(`[Workflow run and job summary](${runLink})`);
  if (context.repository && context.sha) {
    parts.push(`${escapeMarkdown(context.repository)}@${escapeMarkdown(context.sha.slice(0, 12))}`);
  }
  return parts.length ? `<sub>Shadowgate · ${parts.join(' · ')}</sub>` : undefined;
}

/**
 * The report for the PR comment and the job summary: verdict, target, objectives of the last iteration,
 * latency trend, and a collapsed section with queries and every iteration's values.
 */
export function renderMarkdownReport(result: ExperimentResult, context: ReportContext): string {
  const sections = [
    context.marker,
    `## ${VERDICT_ICON[result.verdict]} Shadowgate: ${escapeMarkdown(context.experimentName)} ${HEADLINE[result.verdict]}`,
    escapeMarkdown(result.reason),
    summaryList(result, context.cluster),
    objectivesSection(result),
    result.traffic?.compare ? responseDifferencesSection(result.traffic.compare) : undefined,
    trendSection(result),
    detailsSection(result),
    footer(context),
  ];
  return `${sections.filter((s) => s !== undefined).join('\n\n')}\n`;
}

/**
 * The report of a run that stopped before it reached a verdict, e.g. because the dark version never became ready
 * or the cluster refused a change: no verdict, the error, and where the log is.
 */
export function renderErrorReport(message: string, context: ReportContext): string {
  const sections = [
    context.marker,
    `## ⚠️ Shadowgate: ${escapeMarkdown(context.experimentName)} could not run`,
    'No verdict: the run stopped before it evaluated the dark version. What it had changed in the cluster was ' +
      'undone on the way out; the log lists each step, and the post step retries anything left.',
    fencedCodeBlock(message),
    footer(context),
  ];
  return `${sections.filter((s) => s !== undefined).join('\n\n')}\n`;
}
