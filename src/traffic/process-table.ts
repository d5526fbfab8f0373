import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** One process as a later step can recognise it: pid, process group and when it started. */
export interface ProcessEntry {
  readonly pid: number;
  readonly pgid: number;
  /**
   * When it started, as the process table says it: clock ticks since boot from /proc (Linux), else `ps`'s
   * lstart. A pid the kernel hands out again belongs to a process with another start time.
   */
  readonly startTime: string;
}

const PROC = '/proc';

/** Every live process on the machine; zombies (exited, not yet reaped) hold nothing and are left out. */
export function listProcesses(): ProcessEntry[] {
  if (!hasProcfs()) return psTable([]);
  return readdirSync(PROC).flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    const entry = procEntry(Number(name));
    return entry ? [entry] : [];
  });
}

/** The live process `pid`, or undefined when there is none. */
export function processEntry(pid: number): ProcessEntry | undefined {
  return hasProcfs() ? procEntry(pid) : psTable(['-p', String(pid)])[0];
}

function hasProcfs(): boolean {
  return existsSync(`${PROC}/self/stat`);
}

function procEntry(pid: number): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${PROC}/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone, or never there
  }
  // `pid (comm) state ppid pgrp … starttime …`: comm may hold spaces and parentheses, so count from the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(fields[2]);
  const startTime = fields[19];
  if (fields[0] === 'Z' || !Number.isInteger(pgid) || !startTime) return undefined;
  return { pid, pgid, startTime };
}

/** `ps -o pid=,pgid=,stat=,lstart=` (macOS and BSDs have no /proc); `args` selects the processes. */
export function psTable(args: readonly string[]): ProcessEntry[] {
  let out: string;
  try {
    out = execFileSync('ps', [...(args.length > 0 ? args : ['-A']), '-o', 'pid=,pgid=,stat=,lstart='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return []; // `ps -p` exits 1 when the process does not exist
  }
  return out.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (!match || match[3]?.startsWith('Z')) return [];
    return [{ pid: Number(match[1]), pgid: Number(match[2]), startTime: match[4] as string }];
  });
}
