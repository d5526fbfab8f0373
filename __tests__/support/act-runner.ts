/**
 * nektos/act (testenv/act, built by testenv/provision.sh) running real workflows on this machine in host mode
 * (`-P ubuntu-latest=-self-hosted`): a real implementation of GitHub's runner that nobody here wrote. Each
 * workflow runs in a fresh git repository holding the action as a user's repository would (action.yml, dist/,
 * package.json, samples/), so `uses: ./` is this action. act cannot reach GitHub here, so GITHUB_API_URL points
 * at the local stand-in (fake-github-server.ts), and `actions/checkout` is what act makes of it.
 *
 *   const repo = await actRepository(workflowYaml);
 *   const run = await runAct(repo, { event: 'push', env: { GITHUB_API_URL: github.url } });
 *   run.exitCode; run.log; stepLog(run.log)  // act's log; the steps' own lines without act's prefix
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { runCollectingOutput } from './collect-output.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** The act binary testenv/act/provision.sh builds, at the version its go.mod pins. */
export function actBinary(): string {
  const goMod = readFileSync(join(ROOT, 'testenv/act/go.mod'), 'utf8');
  const version = /^require github\.com\/nektos\/act (v\S+)$/m.exec(goMod)?.[1];
  if (!version) throw new Error('testenv/act/go.mod does not require github.com/nektos/act');
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const binary = join(cache, 'shadowgate', 'testenv', `act-${version}`, 'act');
  if (!existsSync(binary))
    throw new Error(`act ${version} is not provisioned at ${binary}: run testenv/provision.sh`);
  return binary;
}

/** The directory of the node devDependency's Node 24, which the tests put first on PATH for act's host mode. */
export const NODE_24_BIN = join(ROOT, 'node_modules/node/bin');

export interface ActRepository {
  readonly dir: string;
  /** act's own home (its cache and config), so runs do not share or leave state in the user's. */
  readonly home: string;
  /** Removes the repository and act's home. */
  remove(): Promise<void>;
}

/** A git repository `acme/shop` with the action in it and `workflow` as .github/workflows/gate.yml. */
export async function actRepository(workflow: string): Promise<ActRepository> {
  const base = await mkdtemp(join(tmpdir(), 'shadowgate-act-'));
  const dir = join(base, 'shop');
  const home = join(base, 'home');
  await mkdir(join(dir, '.github/workflows'), { recursive: true });
  await mkdir(home);
  for (const path of ['action.yml', 'package.json', 'dist', 'samples']) {
    await cp(join(ROOT, path), join(dir, path), { recursive: true });
  }
  await writeFile(join(dir, '.github/workflows/gate.yml'), workflow);
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=Shadowgate', '-c', 'user.email=tests@shadowgate.invalid', ...args],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
  git('init', '-q', '-b', 'main');
  // act takes the repository's name (GITHUB_REPOSITORY) from the origin remote.
  git('remote', 'add', 'origin', 'https://github.com/acme/shop.git');
  git('add', '-A');
  git('commit', '-q', '-m', 'gate');
  return { dir, home, remove: () => rm(base, { recursive: true, force: true }) };
}

export interface ActRun {
  readonly exitCode: number | null;
  /** Everything act printed, stdout and stderr interleaved as act wrote them. */
  readonly log: string;
}

export interface ActOptions {
  readonly event: 'push' | 'pull_request';
  /** The event payload (GITHUB_EVENT_PATH). */
  readonly payload?: Record<string, unknown>;
  /** `--env` values, e.g. GITHUB_API_URL. */
  readonly env?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  /** The directory put first on PATH, whose `node` act's host mode runs the action with. */
  readonly nodeBin?: string;
  /** Called once act runs, e.g. to interrupt it. */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** Runs act on `repository`'s workflow in host mode; resolves when act exits. */
export async function runAct(repository: ActRepository, options: ActOptions): Promise<ActRun> {
  const eventFile = join(repository.home, `${options.event}.json`);
  await writeFile(eventFile, JSON.stringify(options.payload ?? {}));
  const args = [
    options.event,
    '-P',
    'ubuntu-latest=-self-hosted',
    '-e',
    eventFile,
    // act's cache server would listen on the machine's outbound address, not 127.0.0.1.
    '--no-cache-server',
    ...Object.entries(options.env ?? {}).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
    ...Object.entries(options.secrets ?? {}).flatMap(([name, value]) => ['-s', `${name}=${value}`]),
  ];
  const { exitCode, output } = await runCollectingOutput(actBinary(), args, {
    cwd: repository.dir,
    env: {
      HOME: repository.home,
      PATH: [options.nodeBin ?? NODE_24_BIN, process.env.PATH ?? ''].join(delimiter),
    },
    onSpawn: options.onSpawn,
  });
  return { exitCode, log: output };
}

/** The lines the steps printed, without act's `[workflow/job]   | ` prefix. */
export function stepLog(log: string): string {
  return [...log.matchAll(/^\[[^\]]+\] {3}\| (.*)$/gm)].map((match) => match[1]).join('\n');
}
