import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/** A server the integration tests run as a child process in a process group of its own. */
export interface ServiceProcess {
  readonly name: string;
  /** The first and the last few KB of what it printed (a Go panic's cause is at its start), for failure messages. */
  output(): string;
  /** True once it exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export function spawnService(
  name: string,
  path: string,
  args: readonly string[],
  cwd: string,
): ServiceProcess {
  let head = '';
  let tail = '';
  const child = spawn(path, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const keepTail = (chunk: Buffer) => {
    if (head.length < 2000) head += chunk.toString();
    else tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let gone = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  return {
    name,
    output: () => (tail === '' ? head : `${head}\n…\n${tail}`),
    exited: () => gone,
    async stop() {
      if (!gone) {
        killGroup(child, 'SIGTERM');
        const stopped = await Promise.race([exit.then(() => true), delay(10_000, false)]);
        if (!stopped) {
          killGroup(child, 'SIGKILL');
          await exit;
        }
      }
      running.delete(child);
    },
  };
}

/** Polls `check` every 200 ms until it holds; fails early, with the service's output, if it exits. */
export async function waitUntil(
  what: string,
  service: ServiceProcess,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.exited()) throw new Error(`${service.name} exited before being ${what}`);
    if (await check().catch(() => false)) return;
    await delay(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
