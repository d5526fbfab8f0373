import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { annotateBreaches, failureMessage, setActionOutputs } from '../../../src/github/action-outputs.js';
import { failResult, inconclusiveResult, passResult } from '../../fixtures/experiment-result.js';

/** Workflow commands @actions/core writes to stdout during `fn`. */
function commandsDuring(fn: () => void): string[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split(/\r?\n/).filter(Boolean));
    return true;
  });
  try {
    fn();
  } finally {
    write.mockRestore();
  }
  return lines;
}

describe('setActionOutputs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadowgate-outputs-'));
    vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'));
    await writeFile(join(dir, 'output'), '');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the four outputs to GITHUB_OUTPUT', async () => {
    setActionOutputs({
      verdict: 'fail',
      reportFile: '/tmp/report.md',
      resultFile: '/tmp/result.json',
      darkRevision: 'checkout-00042',
    });
    const text = await readFile(join(dir, 'output'), 'utf8');
    const outputs = Object.fromEntries(
      Array.from(text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm), (m) => [m[1], m[3]]),
    );
    expect(outputs).toEqual({
      verdict: 'fail',
      'report-file': '/tmp/report.md',
      'result-file': '/tmp/result.json',
      'dark-revision': 'checkout-00042',
    });
  });
});

describe('annotateBreaches', () => {
  it('issues one error annotation per breached objective, with value and limit', () => {
    // @actions/core percent-encodes `:` in properties and `%` everywhere; the runner decodes them.
    expect(commandsDuring(() => annotateBreaches(failResult()))).toEqual([
      '::error title=Shadowgate%3A p95-latency objective breached::p95-latency < 100ms: dark 131.5 ms, limit < 100 ms',
      '::error title=Shadowgate%3A mean-latency objective breached::mean-latency <= live + 20%25: dark 15.3 ms, live 12 ms, limit <= live + 20%25 (= 14.4 ms)',
    ]);
  });

  it('is silent when nothing was breached', () => {
    expect(commandsDuring(() => annotateBreaches(passResult()))).toEqual([]);
    expect(commandsDuring(() => annotateBreaches(inconclusiveResult()))).toEqual([]);
  });
});

describe('failureMessage', () => {
  it('is one line with the verdict and the reason', () => {
    expect(failureMessage(failResult())).toBe(
      'Shadowgate fail: p95-latency 131.5 ms, limit < 100 ms; mean-latency 15.3 ms, limit <= 14.4 ms',
    );
  });
});
