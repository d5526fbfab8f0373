import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listProcesses, processEntry, psTable } from '../../../src/traffic/process-table.js';

// The process table the post step identifies local versions by: /proc on Linux, `ps` where there is none
// (macOS); both read here, on Linux, for a detached child that leads its own process group.

describe('the process table', () => {
  it('finds a detached child and its group, with a start time that stays put, in /proc and in ps', async () => {
    const child = spawn('/bin/sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      const proc = processEntry(pid);
      expect(proc).toEqual({ pid, pgid: pid, startTime: expect.stringMatching(/^\d+$/) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(processEntry(pid)).toEqual(proc);
      const members = listProcesses().filter((entry) => entry.pgid === pid);
      expect(members.length).toBe(2); // the shell and its sleep

      const ps = psTable(['-p', String(pid)]);
      expect(ps).toEqual([{ pid, pgid: pid, startTime: expect.stringMatching(/\d\d:\d\d:\d\d/) }]);
      expect(psTable([]).filter((entry) => entry.pgid === pid)).toHaveLength(2);
    } finally {
      process.kill(-(child.pid as number), 'SIGKILL');
    }
  });

  it('knows no process that is gone', async () => {
    const child = spawn('/bin/true');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processEntry(child.pid as number)).toBeUndefined();
    expect(psTable(['-p', String(child.pid)])).toEqual([]);
  });
});
