// Experiments in a row against the same target, each a new workflow run of the bundled action, with the peak
// resident memory of each action process. Shared by the load test and `npm run bench`.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { CheckoutCluster } from './checkout-cluster.js';

export interface MeasuredRun {
  readonly exitCode: number | null;
  readonly verdict: string | undefined;
  /** The process's peak resident set size (VmHWM), in KiB. */
  readonly peakRssKiB: number;
  readonly stdout: string;
}

const SAMPLE_MS = 20;

/**
 * The peak resident set size of `child` in KiB, read from /proc/<pid>/status until the process is gone. VmHWM
 * only grows, so the last sample is the peak up to at most SAMPLE_MS before exit (Linux only).
 */
export function trackPeakRss(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let peak = 0;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const sample = async () => {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        peak = Math.max(peak, Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0));
      } catch {
        // Gone (or a zombie without memory): the last sample stands.
      }
      if (exited) resolve(peak);
      else setTimeout(sample, SAMPLE_MS);
    };
    void sample();
  });
}

/** Runs `count` experiments one after another (`checkout-<prefix>-<i>`), measuring each action process. */
export async function runExperimentsInARow(
  shop: CheckoutCluster,
  count: number,
  prefix: string,
  extraInputs: Record<string, string> = {},
): Promise<MeasuredRun[]> {
  const runs: MeasuredRun[] = [];
  for (let i = 1; i <= count; i++) {
    let peak: Promise<number> = Promise.resolve(0);
    const result = await shop.run(
      shop.inputs(`${prefix}-${i}`, { interval: '1s', iterations: '2', ...extraInputs }),
      {
        onSpawn: (child) => {
          peak = trackPeakRss(child);
        },
      },
    );
    runs.push({
      exitCode: result.exitCode,
      verdict: result.outputs.verdict,
      peakRssKiB: await peak,
      stdout: result.stdout,
    });
  }
  return runs;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
