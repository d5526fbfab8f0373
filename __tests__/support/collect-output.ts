import { type ChildProcess, spawn } from 'node:child_process';

/** How a child process ended, and everything it printed. */
export interface CollectedRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as the child wrote them. */
  readonly output: string;
}

/**
 * Runs `command` with only `env` in its environment and resolves when it exits, with what it printed. `onSpawn`
 * gets the child as soon as it runs, e.g. to signal it on a line of its output (`signalWhen`).
 */
export function runCollectingOutput(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (child: ChildProcess) => void },
): Promise<CollectedRun> {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  options.onSpawn?.(child);
  return exited.then((exitCode) => ({ exitCode, stdout, stderr, output }));
}
