import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOB_SUMMARY_LIMIT, writeJobSummary } from '../../../src/github/job-summary.js';

// core.summary resolves GITHUB_STEP_SUMMARY once per process, so every test here uses the same path.
describe('writeJobSummary', () => {
  let dir: string;
  let file: string;
  const warnings: string[] = [];
  const log = { warning: (m: string | Error) => void warnings.push(String(m)) };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadowgate-summary-'));
    file = join(dir, 'summary.md');
    process.env.GITHUB_STEP_SUMMARY = file;
  });
  beforeEach(async () => {
    await rm(file, { recursive: true, force: true });
    await writeFile(file, '');
    warnings.length = 0;
  });
  afterAll(async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await rm(dir, { recursive: true, force: true });
  });

  it('appends the markdown to GITHUB_STEP_SUMMARY', async () => {
    expect(await writeJobSummary('## report\n', log)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('## report\n');
    expect(warnings).toEqual([]);
  });

  it('cuts a summary that would exceed the runner limit', async () => {
    await writeJobSummary(`${'x'.repeat(99)}\n`.repeat(10_000), log);
    expect((await readFile(file, 'utf8')).length).toBeLessThanOrEqual(JOB_SUMMARY_LIMIT);
  });

  it('warns instead of throwing when the summary cannot be written, and leaves nothing buffered', async () => {
    await rm(file);
    await mkdir(file); // appending to a directory fails (EISDIR), even as root
    expect(await writeJobSummary('## lost\n', log)).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/^Could not write the job summary: .*EISDIR/)]);

    await rm(file, { recursive: true });
    await writeFile(file, '');
    await writeJobSummary('## next\n', log);
    expect(await readFile(file, 'utf8')).toBe('## next\n');
  });
});
