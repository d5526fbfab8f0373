import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_REMEDY } from '../../../src/runtime-guard.js';
import { listProcesses } from '../../../src/traffic/process-table.js';
import { type ActRepository, actRepository, runAct, stepLog } from '../../support/act-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../support/fake-github-server.js';
import { answers, startedUrls } from '../../support/local-versions.js';
import { olderNode } from '../../support/older-node.js';
import { signalWhen } from '../../support/run-bundled-action.js';

// Real workflows with `uses: ./` under nektos/act in host mode: what a user's workflow does with the action,
// run by a runner implementation nobody here wrote. The gate runs the local demo (metrics builtin, both
// versions started as commands), so no cluster and no Prometheus are needed; GitHub's API is the local
// stand-in, which act reaches through GITHUB_API_URL.

const GITHUB_TOKEN = 'ghs_actWorkflowToken0123456789abcdef';

/** The workflow: checkout, the gate, and a later step that reads the gate's verdict output. */
function workflow(experiment: string, inputs: Record<string, string> = {}): string {
  const extra = Object.entries(inputs).map(([name, value]) => `\n          ${name}: "${value}"`);
  return `name: gate
on: [push, pull_request]
permissions: {contents: read, pull-requests: write}
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./
        id: gate
        with:
          experiment: samples/demo/${experiment}${extra.join('')}
      - name: read the verdict
        if: always()
        run: echo "the gate said '\${{ steps.gate.outputs.verdict }}'"
`;
}

/** What act printed about a step: `✅  Success - Main ./`, `❌  Failure - Post ./`, … */
const result = (log: string, step: string) =>
  new RegExp(`^\\[gate/gate\\] {3}(✅ {2}Success|❌ {2}Failure) - ${step.replace(/[./]/g, '\\$&')} \\[`, 'm')
    .exec(log)?.[1]
    ?.replace(/ {2}/, ' ');

let github: FakeGitHub;
const repositories: ActRepository[] = [];
beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(async () => {
  await github?.close();
  for (const repository of repositories) await repository.remove();
});

/** A fresh repository with the action and `workflow`, removed after the tests. */
async function repositoryWith(workflowYaml: string): Promise<ActRepository> {
  const repository = await actRepository(workflowYaml);
  repositories.push(repository);
  return repository;
}

const env = () => ({ GITHUB_API_URL: github.url });

describe('on push', () => {
  it('the demo fails the job; a later step reads verdict fail; the post step finds nothing to do', async () => {
    const run = await runAct(await repositoryWith(workflow('experiment.yaml')), {
      event: 'push',
      env: env(),
    });
    expect(run.exitCode, run.log).toBe(1);
    // act skips actions/checkout of the repository itself (the workspace is already a copy of it).
    expect(result(run.log, 'Main actions/checkout@v4')).toBe('✅ Success');
    expect(result(run.log, 'Main ./')).toBe('❌ Failure');
    const steps = stepLog(run.log);
    expect(steps).toMatch(/^Verdict: fail: /m);
    expect(steps).toContain("the gate said 'fail'");
    expect(steps).toContain('Shadowgate post: nothing to clean up.');
    expect(result(run.log, 'Post ./')).toBe('✅ Success');
    expect(run.log).toMatch(/🏁 {2}Job failed/);
  });

  it('the pass sample passes the job; a later step reads verdict pass', async () => {
    const run = await runAct(await repositoryWith(workflow('pass.yaml')), { event: 'push', env: env() });
    expect(run.exitCode, run.log).toBe(0);
    expect(result(run.log, 'Main ./')).toBe('✅ Success');
    expect(stepLog(run.log)).toContain("the gate said 'pass'");
    expect(run.log).toMatch(/🏁 {2}Job succeeded/);
  });
});

describe('on pull_request', () => {
  let repository: ActRepository;
  const payload = {
    action: 'synchronize',
    number: 7,
    pull_request: { number: 7, head: { sha: 'c0ffee0000000000000000000000000000000000' } },
    repository: { name: 'shop', full_name: 'acme/shop', owner: { login: 'acme' } },
  };
  const pullRequest = () =>
    runAct(repository, { event: 'pull_request', payload, env: env(), secrets: { GITHUB_TOKEN } });

  beforeAll(async () => {
    // The sample's own window: two iterations of 3 s leave its error-rate and relative mean undecided at 95%.
    repository = await repositoryWith(workflow('pass.yaml'));
  });

  it('creates the sticky comment through GITHUB_API_URL, with the token, which act masks', async () => {
    const run = await pullRequest();
    expect(run.exitCode, run.log).toBe(0);
    const created = github.requests.filter((request) => request.route === 'create-comment');
    expect(created.map((request) => request.path)).toEqual(['/repos/acme/shop/issues/7/comments']);
    expect(created[0]?.headers.authorization).toBe(`token ${GITHUB_TOKEN}`);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]?.body).toContain('<!-- shadowgate:experiment=checkout-local-pass -->');
    expect(run.log).not.toContain(GITHUB_TOKEN);
  });

  it('updates the same comment when the workflow runs again', async () => {
    const run = await pullRequest();
    expect(run.exitCode, run.log).toBe(0);
    expect(github.requests.filter((request) => request.route === 'create-comment')).toHaveLength(1);
    expect(github.requests.filter((request) => request.route === 'update-comment')).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
  });
});

describe('cancelled (Ctrl-C to act)', () => {
  it('act kills the gate step outright; the post step stops the local versions it left', async () => {
    const repository = await repositoryWith(workflow('pass.yaml', { iterations: '60' }));
    const run = await runAct(repository, {
      event: 'push',
      env: env(),
      onSpawn: signalWhen(/\[1\/60\]/, 'SIGINT'),
    });
    expect(run.exitCode).toBe(1);
    // What act really does: no SIGINT or SIGTERM reaches the step (GitHub's runner sends both first); it is
    // killed at once, so its own cleanup never runs.
    expect(run.log).toContain('this step has been cancelled: signal: killed');
    expect(result(run.log, 'Main ./')).toBe('❌ Failure');
    const steps = stepLog(run.log);
    expect(steps).not.toMatch(/^Verdict: /m);
    expect(steps).toContain("the gate said ''");
    const leaders = [...steps.matchAll(/^Started the (live|dark) version: .* \(pid (\d+)\)/gm)].map((match) =>
      Number(match[2]),
    );
    expect(leaders).toHaveLength(2);
    for (const pid of leaders) {
      expect(steps).toMatch(
        new RegExp(`^Shadowgate post: the (live|dark) version \\(process group ${pid}\\): stopped \\(`, 'm'),
      );
    }
    expect(result(run.log, 'Post ./')).toBe('✅ Success');
    expect(listProcesses().filter((entry) => leaders.includes(entry.pgid))).toEqual([]);
    for (const url of startedUrls(steps)) expect(await answers(url), url).toBe(false);
  });
});

const older = olderNode();

describe.skipIf(older === undefined)(`with Node.js ${older?.version} first on PATH`, () => {
  it('the gate step fails with the one-line refusal, and the post step only warns', async () => {
    const run = await runAct(await repositoryWith(workflow('pass.yaml')), {
      event: 'push',
      env: env(),
      nodeBin: dirname(older?.path ?? ''),
    });
    expect(run.exitCode).toBe(1);
    // Everything the gate step printed, between act's start and end lines for it: one error, nothing else.
    const main = /⭐ Run Main \.\/\n([\s\S]*?)\n\[gate\/gate\] {3}❌ {2}Failure - Main \.\//.exec(
      run.log,
    )?.[1];
    expect(main?.split('\n')).toEqual([
      `[gate/gate]   ❗  ::error::Shadowgate needs Node.js 24 or newer, but runs on Node.js ${older?.version}. ${ACTION_REMEDY}`,
    ]);
    expect(run.log).not.toMatch(/createZstdDecompress/);
    expect(run.log).toContain(
      `[gate/gate]   🚧  ::warning::Shadowgate post step skipped: Shadowgate needs Node.js 24 or newer, but runs on Node.js ${older?.version}.`,
    );
    expect(result(run.log, 'Post ./')).toBe('✅ Success');
  });
});
