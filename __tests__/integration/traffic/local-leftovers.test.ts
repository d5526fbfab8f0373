import { describe, expect, it } from 'vitest';
import {
  type LocalProcess,
  parseSavedProcesses,
  remainingGroup,
} from '../../../src/traffic/local-process.js';
import { listProcesses } from '../../../src/traffic/process-table.js';
import { answers, startedUrls } from '../../support/local-versions.js';
import { type ActionRun, runBundledAction, signalWhen } from '../../support/run-bundled-action.js';

// The bundled action in local mode (metrics builtin, both versions started as commands) killed with SIGKILL
// mid-run, as act does on cancel and as the runner does when cancellation runs out of time: no exit handler
// runs, and the two `/bin/sh -c node samples/app/server.mjs …` process groups are adopted by PID 1. The saved
// state lists them from the moment they start, so the post step stops them; before, it said "nothing to clean
// up" and both kept listening.

const PR = { owner: 'acme', repo: 'shop', number: 5 };
const NODE = `'${process.execPath}'`;

function inputs(iterations: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    service: 'checkout',
    metrics: 'builtin',
    'live-command': `${NODE} samples/app/server.mjs --name live`,
    'dark-command': `${NODE} samples/app/server.mjs --name dark`,
    'load-rate': '20',
    objectives: 'p95-latency < 500ms',
    interval: '1s',
    iterations: String(iterations),
    'min-requests': '5',
    comment: 'never',
    ...extra,
  };
}

const step = (
  iterations: number,
  options: Pick<Parameters<typeof runBundledAction>[0], 'state' | 'onSpawn'> = {},
  extra: Record<string, string> = {},
) =>
  runBundledAction({
    inputs: inputs(iterations, extra),
    event: PR,
    apiUrl: 'http://127.0.0.1:9',
    ...options,
  });

const alive = (group: LocalProcess) => remainingGroup(group, listProcesses()).members;

describe('local versions of a killed main step', () => {
  let killed: ActionRun;
  let saved: LocalProcess[];
  let urls: string[];

  it('are in the saved state while they run', async () => {
    killed = await step(60, { onSpawn: signalWhen(/^\[1\/60\]/m, 'SIGKILL') });
    expect(killed.exitCode, killed.stdout + killed.stderr).toBeNull();
    saved = parseSavedProcesses(killed.state['local-processes'] ?? '[]');
    expect(saved.map((group) => group.version).sort()).toEqual(['dark', 'live']);
    urls = startedUrls(killed.stdout);
    expect(urls).toHaveLength(2);
    // What the issue saw: both still there after the kill, adopted by PID 1.
    for (const group of saved) expect(alive(group).length, `${group.version}`).toBeGreaterThan(0);
    for (const url of urls) expect(await answers(url), url).toBe(true);
  });

  it('are stopped by the post step: no process of the run left, no port listening', async () => {
    const post = await step(60, { state: killed.state });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(post.stdout).not.toMatch(/^::(warning|error)::/m);
    for (const group of saved) {
      expect(post.stdout).toContain(
        `Shadowgate post: the ${group.version} version (process group ${group.pid}): stopped (`,
      );
      expect(alive(group)).toEqual([]);
    }
    for (const url of urls) expect(await answers(url), url).toBe(false);
  });

  it('leave nothing for a second post step (or the next run) to find', async () => {
    const again = await step(60, { state: killed.state });
    expect(again.exitCode).toBe(0);
    for (const group of saved) {
      expect(again.stdout).toContain(
        `the ${group.version} version (process group ${group.pid}): already stopped`,
      );
    }
  });
});

describe('local versions of a main step that ends normally', () => {
  it('are stopped by the main step itself, whose saved state then lists none', async () => {
    // One second's 20 requests cannot show p95 < 500ms at 95% confidence (inconclusive fails the job); the
    // verdict is not what this test is about, so the point-estimate rule decides it.
    const main = await step(1, {}, { confidence: 'off' });
    expect(main.exitCode, main.stdout + main.stderr).toBe(0);
    expect(main.state['local-processes']).toBe('');
    const post = await step(1, { state: main.state });
    expect(post.stdout).toContain('Shadowgate post: nothing to clean up.');
  });
});
