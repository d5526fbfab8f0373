import type { ChildProcess } from 'node:child_process';
import { runCollectingOutput } from './collect-output.js';

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
  return runCollectingOutput(options.node ?? process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    onSpawn: options.onSpawn,
  }).then(({ exitCode, stdout, stderr }) => ({ exitCode, stdout, stderr }));
}
