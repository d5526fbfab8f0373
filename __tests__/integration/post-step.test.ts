import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { olderNode } from '../support/older-node.js';
import { runBundledAction } from '../support/run-bundled-action.js';
import { runCli } from '../support/run-cli.js';

// The post step (action.yml `post: dist/post.js`) is an entry of its own: whatever the main step did (crash
// while loading, refuse an old Node.js, never save a thing), the post step only cleans up and only warns.
// Before it had its own entry, a main step that crashed while loading never saved `isPost`, so the post step
// ran the main step's code and failed the job.

const PR = { owner: 'acme', repo: 'shop', number: 3 };
// Invalid on purpose: the main step would reject it, so a post step that ran main's code would fail.
const INPUTS = { service: 'checkout', objectives: 'p95-latency < 100' };
const step = (state: Record<string, string> | undefined, options: { distDir?: string; node?: string } = {}) =>
  runBundledAction({
    inputs: INPUTS,
    event: PR,
    apiUrl: 'http://127.0.0.1:9',
    ...(state ? { state } : {}),
    ...options,
  });

/** A copy of dist/ whose chunk `name` (main, post) throws as it loads. */
async function distCrashingIn(name: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'shadowgate-dist-'));
  onTestFinished(() => rm(copy, { recursive: true, force: true }));
  const dir = join(copy, 'dist');
  await cp('dist', dir, { recursive: true });
  const chunk = (await readdir(join(dir, 'chunks'))).find((file) => file.startsWith(`${name}-`));
  if (!chunk) throw new Error(`dist/chunks has no ${name}-*.js`);
  await writeFile(join(dir, 'chunks', chunk), `throw new Error('simulated crash while loading ${name}');\n`);
  return dir;
}

describe('the post step', () => {
  it('after a main step that crashed while loading: only says there is nothing to clean up', async () => {
    const distDir = await distCrashingIn('main');
    const main = await step(undefined, { distDir });
    expect(main.exitCode).toBe(1);
    expect(main.stdout).toMatch(/^::error::Shadowgate crashed: Error: simulated crash while loading main/m);
    expect(main.state).toEqual({});

    const post = await step(main.state, { distDir });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(post.stdout).toContain('Shadowgate post: nothing to clean up.');
    expect(post.stdout).not.toMatch(/^::error::/m);
    // The main step's first line; the post step never runs its code.
    expect(post.stdout).not.toMatch(/^Version /m);
  });

  it('warns, and exits 0, when it crashes while loading itself', async () => {
    const post = await step({}, { distDir: await distCrashingIn('post') });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(
      /^::warning::Shadowgate post step: Error: simulated crash while loading post/m,
    );
    expect(post.stdout).not.toMatch(/^::error::/m);
  });
});

const older = olderNode();

// This machine's own `node` is 20, which is what act in host mode, some self-hosted runners and a user's shell
// run. Without one on PATH (a machine with only Node 24), there is nothing to show.
describe.skipIf(older === undefined)(`on Node.js ${older?.version} (older than supported)`, () => {
  const node = older?.path ?? '';
  const refusal = new RegExp(
    `Shadowgate needs Node\\.js 24 or newer, but runs on Node\\.js ${older?.version.replace(/\./g, '\\.')}\\. `,
  );

  it('the main step fails with one line naming both versions and how to get Node 24', async () => {
    const main = await step(undefined, { node });
    expect(main.exitCode).toBe(1);
    const lines = main.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error::/);
    expect(lines[0]).toMatch(refusal);
    expect(lines[0]).toMatch(/actions\/setup-node and node-version: 24/);
    expect(main.stderr).toBe('');
  });

  it('the post step only warns', async () => {
    const post = await step({}, { node });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(/^::warning::Shadowgate post step skipped: /);
    expect(post.stdout).toMatch(refusal);
    expect(post.stderr).toBe('');
  });

  it('the CLI exits 3 with one line on stderr', async () => {
    const run = await runCli(['run', 'samples/demo/experiment.yaml'], { node });
    expect(run.exitCode).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(refusal)]);
  });
});
