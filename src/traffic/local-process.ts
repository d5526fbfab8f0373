import { setTimeout as delay } from 'node:timers/promises';
import { listProcesses, type ProcessEntry, processEntry } from './process-table.js';

/**
 * A local version's command as Shadowgate started it: the leader of its own process group (pgid = pid), with
 * the leader's start time so that a later step never signals a pid the kernel has since handed to another
 * process.
 */
export interface LocalProcess {
  readonly version: 'live' | 'dark' | 'live-replica';
  readonly pid: number;
  readonly startTime: string;
}

/** Told of every local version process as it starts (before it can serve) and once it is stopped. */
export interface ProcessRegistry {
  started(group: LocalProcess): void;
  stopped(group: LocalProcess): void;
}

/** The identity of the process just spawned as `pid`, or undefined if it is already gone. */
export function localProcess(version: LocalProcess['version'], pid: number): LocalProcess | undefined {
  const entry = processEntry(pid);
  return entry ? { version, pid, startTime: entry.startTime } : undefined;
}

/** A registry that saves the processes still running, as JSON, after every change; '' once none is left. */
export function savingRegistry(save: (state: string) => void): ProcessRegistry {
  const running = new Map<number, LocalProcess>();
  const write = () => save(running.size === 0 ? '' : JSON.stringify([...running.values()]));
  return {
    started(group) {
      running.set(group.pid, group);
      write();
    },
    stopped(group) {
      running.delete(group.pid);
      write();
    },
  };
}

/** What saved state holds, checked: a malformed entry is dropped rather than signalled. */
export function parseSavedProcesses(state: string): LocalProcess[] {
  const value: unknown = JSON.parse(state);
  if (!Array.isArray(value)) throw new Error('the saved local processes are not a list');
  return value.filter(
    (item): item is LocalProcess =>
      typeof item === 'object' &&
      item !== null &&
      (item.version === 'live' || item.version === 'dark' || item.version === 'live-replica') &&
      Number.isInteger(item.pid) &&
      item.pid > 1 &&
      typeof item.startTime === 'string',
  );
}

/**
 * The processes still in the group `group` led, if that group is still ours. While the leader lives, its start
 * time must be the recorded one (else the pid was handed out again and nothing is ours). Once the leader is
 * gone, whatever is left in its group is what it started: the kernel does not hand out a pid that is still a
 * process group's id.
 */
export function remainingGroup(
  group: LocalProcess,
  table: readonly ProcessEntry[],
): { readonly members: ProcessEntry[]; readonly reused: boolean } {
  const leader = table.find((entry) => entry.pid === group.pid);
  if (leader && leader.startTime !== group.startTime) return { members: [], reused: true };
  return { members: table.filter((entry) => entry.pgid === group.pid), reused: false };
}

const GRACE_MS = 5_000;
const POLL_MS = 100;

/** What stopping one saved group came to: `gone` unless something of it survived SIGKILL. */
export interface StopOutcome {
  readonly line: string;
  readonly gone: boolean;
}

/**
 * Stops what is left of each saved process group: SIGTERM, then SIGKILL after 5 s, as the main step would have.
 * Resolves with one outcome per group.
 */
export async function stopSavedProcesses(saved: readonly LocalProcess[]): Promise<StopOutcome[]> {
  const outcomes: StopOutcome[] = [];
  for (const group of saved) {
    const label = `the ${group.version} version (process group ${group.pid})`;
    const { members, reused } = remainingGroup(group, listProcesses());
    if (reused) {
      outcomes.push({ line: `${label}: pid ${group.pid} is now another process; left alone`, gone: true });
    } else if (members.length === 0) {
      outcomes.push({ line: `${label}: already stopped`, gone: true });
    } else {
      const count = `${members.length} process${members.length === 1 ? '' : 'es'}`;
      if (await signalUntilGone(group, 'SIGTERM', GRACE_MS)) {
        outcomes.push({ line: `${label}: stopped (${count})`, gone: true });
      } else if (await signalUntilGone(group, 'SIGKILL', GRACE_MS)) {
        outcomes.push({ line: `${label}: killed, 5 s after SIGTERM (${count})`, gone: true });
      } else {
        outcomes.push({ line: `${label}: still running after SIGKILL`, gone: false });
      }
    }
  }
  return outcomes;
}

async function signalUntilGone(
  group: LocalProcess,
  signal: NodeJS.Signals,
  waitMs: number,
): Promise<boolean> {
  try {
    process.kill(-group.pid, signal);
  } catch {
    return true; // no such group any more
  }
  for (let waited = 0; waited < waitMs; waited += POLL_MS) {
    if (remainingGroup(group, listProcesses()).members.length === 0) return true;
    await delay(POLL_MS);
  }
  return false;
}
