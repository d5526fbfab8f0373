import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigurationError } from '../core/configuration-error.js';
import type { LocalTargetConfig } from '../core/traffic-config.js';
import { localProcess, type ProcessRegistry } from './local-process.js';

/** A version the proxy can reach at `url`; `stop` ends the command Shadowgate started for it, if any. */
export interface RunningTarget {
  readonly url: string;
  stop(): Promise<void>;
}

export interface StartTargetOptions {
  readonly startTimeoutMs: number;
  readonly log: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Told of a started command's process group before it is waited for, and again once it is stopped. */
  readonly processes?: ProcessRegistry;
}

const POLL_MS = 100;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LINES_KEPT = 20;

/**
 * Starts `command` (in its own process group, through /bin/sh) when given, and waits until `url` answers HTTP
 * with any status below 500. Without a URL, a free port is chosen and passed as $PORT. A URL without a command
 * is only checked. Fails with a ConfigurationError naming the input, quoting the command's last output lines.
 */
export async function startLocalTarget(
  version: 'live' | 'dark' | 'live-replica',
  config: LocalTargetConfig,
  options: StartTargetOptions,
): Promise<RunningTarget> {
  const port = config.url === undefined ? await freePort() : undefined;
  const url = config.url ?? `http://127.0.0.1:${port}`;
  if (config.command === undefined) {
    await waitUntilReady(url, options, () => undefined, `${version}-url`);
    return { url, stop: async () => {} };
  }
  const output: string[] = [];
  const child = spawn('/bin/sh', ['-c', config.command], {
    detached: true,
    env: { ...process.env, ...(port === undefined ? {} : { PORT: String(port) }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - OUTPUT_LINES_KEPT));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Recorded at once, so that a step killed from here on (SIGKILL passes every handler) leaves its post step
  // what to stop.
  const started = child.pid === undefined ? undefined : localProcess(version, child.pid);
  if (started) options.processes?.started(started);
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopGroup(child);
    if (started) options.processes?.stopped(started);
  };
  options.log(`Started the ${version} version: ${config.command} (pid ${child.pid}), waiting for ${url}`);
  try {
    await waitUntilReady(url, options, () => exitDescription(child, output), `${version}-command`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

async function waitUntilReady(
  url: string,
  { startTimeoutMs, signal }: StartTargetOptions,
  exited: () => string | undefined,
  input: string,
): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const died = exited();
    if (died !== undefined) throw new ConfigurationError(input, died, 'node samples/app/server.mjs');
    if (await answers(url)) return;
    if (Date.now() >= deadline) {
      throw new ConfigurationError(
        input,
        `${url} did not answer HTTP within start-timeout ${startTimeoutMs / 1000}s`,
        'start-timeout: 60s',
      );
    }
    await delay(POLL_MS, undefined, signal ? { signal } : undefined);
  }
}

/** Whether `url` answers with a status below 500 within a second. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(url, { method: 'GET', timeout: 1_000 }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 500) < 500);
    });
    probe.once('timeout', () => probe.destroy());
    probe.once('error', () => resolve(false));
    probe.end();
  });
}

function exitDescription(child: ChildProcess, output: readonly string[]): string | undefined {
  if (child.exitCode === null && child.signalCode === null) return undefined;
  const how = child.exitCode === null ? `signal ${child.signalCode}` : `status ${child.exitCode}`;
  const tail = output.length > 0 ? `; its last output:\n    ${output.join('\n    ')}` : ', with no output';
  return `the command exited with ${how} before answering${tail}`;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    // The shell is gone; whatever it left in its group goes too.
    killGroup(child, 'SIGTERM');
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child, 'SIGTERM');
  // Unreferenced: once the command has exited, this timer must not keep the process alive.
  const timeout = delay(STOP_GRACE_MS, undefined, { ref: false }).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    killGroup(child, 'SIGKILL');
    await exited;
  }
}

/** Signals the command's whole process group (the shell and whatever it started). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
