import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, startedUrls } from '../../support/local-versions.js';
import { runCli } from '../../support/run-cli.js';

// The README's main command path: `shadowgate run` (dist/cli.js) on the local demo samples, with builtin traffic
// and metrics: it starts samples/app twice, mirrors generated load, judges dark and stops everything.

/** The bundled CLI, with this process's environment (the samples' commands need PATH and HOME). */
function cli(...args: string[]) {
  return runCli(args, { env: { ...process.env } as Record<string, string> });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shadowgate-local-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('shadowgate run on builtin traffic', () => {
  it('fails the regressed dark version of the demo (exit 1), then stops what it started', async () => {
    const { exitCode, stdout, stderr } = await cli('run', 'samples/demo/experiment.yaml');
    expect(exitCode, stderr).toBe(1);
    expect(stdout).toMatch(/Metrics: builtin \(measured by the mirroring proxy\)/);
    expect(stdout).toMatch(/Verdict: FAIL - .*p95-latency [\d.]+ ms, limit < 100 ms/);
    // The p95 breach is shown first, at 95% confidence; the run stops there, before the 8 iterations.
    expect(stdout).toMatch(
      /p95-latency < 100ms +[\d.]+ ms \[[\d.]+ ms, [\d.]+ ms\] +- +< 100 ms +✗ breached/,
    );
    expect(stdout).toMatch(
      /^Run: stopped early by fail-fast — stopped after iteration \d of 8: confidently breached/m,
    );
    expect(stderr).toMatch(/^Mirroring proxy on http:\/\/127\.0\.0\.1:\d+: every request to live/m);
    expect(stderr).toMatch(/^\[1\/8\] mean-latency/m);
    expect(stderr).toMatch(/^Load: [\d,]+ requests in [\d.]+s \(/m);
    expect(stderr).toMatch(
      /^Mirror: [\d,]+ requests answered by live, [\d,]+ mirrored to dark \(100\.0% of those eligible, configured 100%\)/m,
    );
    // The report says what the built-in traffic did, too.
    expect(stdout).toMatch(
      /^Load: [\d,]+ requests in [\d.]+s \([\d.]+\/s of 50\/s\) to http:\/\/127\.0\.0\.1:\d+; 200 × /m,
    );
    expect(stdout).toMatch(/^Mirror: [\d,]+ requests answered by live/m);
    const urls = startedUrls(stderr);
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(await answers(url), url).toBe(false);
  });

  it('passes the second sample, whose dark version is as good as live, as soon as its bounds show it (exit 0)', async () => {
    const { exitCode, stdout, stderr } = await cli('run', 'samples/demo/pass.yaml');
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toMatch(/Verdict: PASS - all 5 objectives met/);
    expect(stdout).toMatch(/^Run: stopped early by early pass/m);
    expect(stderr).toMatch(/unsafe requests not mirrored/);
  });

  it('fails the behaviour demo, replaying its HAR, naming the one changed field (exit 1)', async () => {
    const { exitCode, stdout, stderr } = await cli('run', 'samples/demo/diff.yaml');
    expect(exitCode, stderr).toBe(1);
    expect(stderr).toMatch(
      /^Load: recorded pace \([\d.]+ requests\/s on average\), replay of 60 request\(s\) from samples\/demo\/traffic\.har, read as har/m,
    );
    expect(stdout).toMatch(
      /^Compare: dark's answers differed from live's in [\d,]+ of [\d,]+ compared requests \([\d.]+%\); live against its replica 0 of /m,
    );
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(-3)).toEqual([
      'Differing fields (dark against live):',
      expect.stringMatching(
        /^ {2}\$\.price {2}[\d,]+ requests \([\d.]+%\) {2}e\.g\. GET \/products\/42: changed, live 28\.99, dark 21\.99$/,
      ),
      expect.stringMatching(/^Verdict: FAIL - response-mismatch-rate [\d.]+%, limit < 1%/),
    ]);
    expect(startedUrls(stderr)).toHaveLength(3);
  });

  it('exits 3 naming dark-command when the dark version exits before answering, quoting its output', async () => {
    const file = join(dir, 'crashing-dark.yaml');
    await writeFile(
      file,
      [
        'apiVersion: shadowgate.dev/v1alpha1',
        'kind: Experiment',
        'target: {service: checkout}',
        'metrics: builtin',
        'traffic:',
        `  live: {command: "'${process.execPath}' samples/app/server.mjs"}`,
        `  dark: {command: "'${process.execPath}' -e \\"console.error('port already taken'); process.exit(7)\\""}`,
        '  load: {rate: 10}',
        'objectives: [p95-latency < 100ms]',
        'evaluation: {interval: 1s, iterations: 1}',
      ].join('\n'),
    );
    const { exitCode, stderr } = await cli('run', file);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(
      /^Invalid dark-command: the command exited with status 7 before answering; its last output:/m,
    );
    expect(stderr).toMatch(/port already taken/);
    // live had been started; it is stopped again.
    const urls = startedUrls(stderr);
    for (const url of urls) expect(await answers(url), url).toBe(false);
  });

  it('is inconclusive (exit 2), never a pass, when no traffic reaches the proxy', async () => {
    const file = join(dir, 'no-load.yaml');
    await writeFile(
      file,
      [
        'apiVersion: shadowgate.dev/v1alpha1',
        'kind: Experiment',
        'target: {service: checkout}',
        'metrics: builtin',
        `traffic: {live: {command: "'${process.execPath}' samples/app/server.mjs"}, dark: {command: "'${process.execPath}' samples/app/server.mjs"}}`,
        'objectives: [p95-latency < 100ms, error-rate < 1%]',
        'evaluation: {interval: 1s, iterations: 2}',
      ].join('\n'),
    );
    const { exitCode, stdout } = await cli('run', file);
    expect(exitCode).toBe(2);
    expect(stdout).toMatch(/Verdict: INCONCLUSIVE/);
  });
});
