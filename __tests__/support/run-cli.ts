import { type ChildProcess, spawn } from 'node:child_process';

export interface CliRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the bundled CLI (`node dist/cli.js …args`) with only `env` (plus PATH) in its environment, on this
 * process's Node.js unless `node` names another binary.
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; onSpawn?: (child: ChildProcess) => void; node?: string } = {},
): Promise<CliRun> {
  const child = spawn(options.node ?? process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  options.onSpawn?.(child);
  return exited.then((exitCode) => ({ exitCode, stdout, stderr }));
}
