import * as core from '@actions/core';
import type { ExperimentResult } from '../core/result.js';
import { formatReading, formatResolvedLimit } from '../report/value-format.js';
import { lastIteration } from '../report/verdict-text.js';

export interface ActionOutputs {
  readonly verdict: string;
  /** Path of the markdown report written to disk. */
  readonly reportFile: string;
  /** Path of the JSON result (`toResultJson`). */
  readonly resultFile: string;
  readonly darkRevision: string;
}

export function setActionOutputs(outputs: ActionOutputs): void {
  core.setOutput('verdict', outputs.verdict);
  core.setOutput('report-file', outputs.reportFile);
  core.setOutput('result-file', outputs.resultFile);
  core.setOutput('dark-revision', outputs.darkRevision);
}

/** One error annotation per objective the verdict's iteration breached, with the value and the limit. */
export function annotateBreaches(result: ExperimentResult): void {
  for (const a of lastIteration(result)?.assessments ?? []) {
    if (a.status !== 'breached') continue;
    const value = formatReading(a.dark, a.objective.metric.unit);
    const live = a.live ? `, live ${formatReading(a.live, a.objective.metric.unit)}` : '';
    core.error(
      `${a.objective.text}: dark ${value}${live}, limit ${formatResolvedLimit(a.objective, a.limit)}`,
      {
        title: `Shadowgate: ${a.objective.metric.id} objective breached`,
      },
    );
  }
}

/** The one line for `core.setFailed`: `Shadowgate fail: <reason>`. */
export function failureMessage(result: ExperimentResult): string {
  return `Shadowgate ${result.verdict}: ${result.reason}`;
}
