import * as core from '@actions/core';
import { truncateMarkdown } from '../report/markdown-truncate.js';

/**
 * The runner rejects a step summary over 1 MiB. The limit is in bytes and a UTF-16 unit can take three,
 * so the character limit leaves room for the worst case.
 */
export const JOB_SUMMARY_LIMIT = 340_000;

const SUMMARY_CUT_NOTE =
  '> [!NOTE]\n> This summary was cut to fit the 1 MiB limit. The result file has every value.';

/** Appends the report to this step's job summary. Returns false, with a warning, if it cannot be written. */
export async function writeJobSummary(
  markdown: string,
  log: Pick<typeof core, 'warning'> = core,
): Promise<boolean> {
  try {
    await core.summary.addRaw(truncateMarkdown(markdown, JOB_SUMMARY_LIMIT, SUMMARY_CUT_NOTE)).write();
    return true;
  } catch (error) {
    // Leave nothing buffered for a later write to repeat.
    core.summary.emptyBuffer();
    log.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}
