import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCollectingOutput } from './collect-output.js';

/** What one step run of `node dist/index.js` left behind. */
export interface ActionRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  /** State saved with `core.saveState`, as the runner hands it to the post step (`STATE_<name>`). */
  readonly state: Record<string, string>;
  /**
   * The contents of the files the step left in RUNNER_TEMP and named in an output (report-file, result-file),
   * by output name: read before the directory is removed, as the runner removes it after the job.
   */
  readonly outputFiles: Record<string, string>;
}

/** Both streams of a step, for assertion messages. */
export function output(result: ActionRun): string {
  return `${result.stdout}\n${result.stderr}`;
}

export interface PullRequestEvent {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

/**
 * Runs the bundled action the way the GitHub runner does: `node dist/index.js` with `INPUT_<NAME>` variables
 * (the name upper-cased, hyphens kept), the event payload in GITHUB_EVENT_PATH, and the file commands
 * GITHUB_OUTPUT, GITHUB_STATE and GITHUB_STEP_SUMMARY. With `state` (what an earlier run saved, possibly
 * nothing) it is that run's post step: `node dist/post.js`, as action.yml's `post`.
 */
export async function runBundledAction(options: {
  inputs: Record<string, string>;
  event: PullRequestEvent;
  apiUrl: string;
  state?: Record<string, string>;
  env?: Record<string, string>;
  /** The bundle to run; default `dist`, as committed. */
  distDir?: string;
  /** The Node.js binary; default this process's. */
  node?: string;
  /** Called once the process runs, e.g. to signal it as the runner does on cancellation. */
  onSpawn?: (child: ChildProcess) => void;
}): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'shadowgate-runner-'));
  const files = {
    event: join(dir, 'event.json'),
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary.md'),
    env: join(dir, 'env'),
  };
  const { owner, repo, number } = options.event;
  await writeFile(
    files.event,
    JSON.stringify({
      action: 'synchronize',
      number,
      pull_request: { number, head: { sha: 'c0ffee0000000000000000000000000000000000' } },
      repository: { name: repo, owner: { login: owner }, full_name: `${owner}/${repo}` },
    }),
  );
  for (const file of [files.output, files.state, files.summary, files.env]) await writeFile(file, '');

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${owner}/${repo}`,
    GITHUB_SHA: 'c0ffee0000000000000000000000000000000000',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.apiUrl,
    GITHUB_WORKSPACE: process.cwd(),
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    RUNNER_TEMP: dir,
    ...Object.fromEntries(
      Object.entries(options.inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
    ),
    ...Object.fromEntries(
      Object.entries(options.state ?? {}).map(([name, value]) => [`STATE_${name}`, value]),
    ),
    ...options.env,
  };

  const entry = join(options.distDir ?? 'dist', options.state === undefined ? 'index.js' : 'post.js');
  const { exitCode, stdout, stderr } = await runCollectingOutput(options.node ?? process.execPath, [entry], {
    env,
    onSpawn: options.onSpawn,
  });
  try {
    const outputs = parseFileCommand(await readFile(files.output, 'utf8'));
    const outputFiles: Record<string, string> = {};
    for (const [name, value] of Object.entries(outputs)) {
      if (value.startsWith(`${dir}/`)) outputFiles[name] = await readFile(value, 'utf8');
    }
    return {
      exitCode,
      stdout,
      stderr,
      outputs,
      summary: await readFile(files.summary, 'utf8'),
      state: parseFileCommand(await readFile(files.state, 'utf8')),
      outputFiles,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses the `name<<delimiter … delimiter` records @actions/core writes to GITHUB_OUTPUT and GITHUB_STATE. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const pattern = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const [, name, , value] of text.matchAll(pattern)) {
    if (name !== undefined && value !== undefined) values[name] = value;
  }
  return values;
}

/**
 * Sends `signal` to a process (a step, or act running one) once `line` appears in its output (stdout and stderr),
 * as the runner does on cancellation.
 */
export function signalWhen(line: RegExp, signal: NodeJS.Signals): (child: ChildProcess) => void {
  return (child) => {
    let seen = '';
    let sent = false;
    const watch = (chunk: Buffer) => {
      seen += chunk;
      if (!sent && line.test(seen)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
  };
}
