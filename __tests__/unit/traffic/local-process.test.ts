import { describe, expect, it } from 'vitest';
import {
  type LocalProcess,
  parseSavedProcesses,
  remainingGroup,
  savingRegistry,
} from '../../../src/traffic/local-process.js';

const DARK: LocalProcess = { version: 'dark', pid: 4242, startTime: '85749' };

describe('a saved local process group', () => {
  it('is ours while its leader has the recorded start time', () => {
    const table = [
      { pid: 4242, pgid: 4242, startTime: '85749' },
      { pid: 4243, pgid: 4242, startTime: '85750' },
      { pid: 5000, pgid: 5000, startTime: '90000' },
    ];
    expect(remainingGroup(DARK, table)).toEqual({ members: table.slice(0, 2), reused: false });
  });

  it('is not ours when the pid now belongs to a process that started at another time', () => {
    const table = [{ pid: 4242, pgid: 4242, startTime: '99999' }];
    expect(remainingGroup(DARK, table)).toEqual({ members: [], reused: true });
  });

  it('is what is left in the group once its leader (the shell) is gone', () => {
    const table = [{ pid: 4243, pgid: 4242, startTime: '85750' }];
    expect(remainingGroup(DARK, table).members).toEqual(table);
    expect(remainingGroup(DARK, []).members).toEqual([]);
  });
});

describe('the saved state of local processes', () => {
  it('lists what runs after every change, and is empty once everything stopped', () => {
    const saves: string[] = [];
    const registry = savingRegistry((state) => saves.push(state));
    const live: LocalProcess = { version: 'live', pid: 4100, startTime: '85740' };
    registry.started(live);
    registry.started(DARK);
    registry.stopped(live);
    registry.stopped(DARK);
    expect(saves.map((state) => (state === '' ? [] : parseSavedProcesses(state)))).toEqual([
      [live],
      [live, DARK],
      [DARK],
      [],
    ]);
    expect(saves.at(-1)).toBe('');
  });

  it('drops malformed entries instead of signalling them (pid 1 or a group of everything)', () => {
    const state = JSON.stringify([DARK, { version: 'dark', pid: 1, startTime: '1' }, { pid: -1 }, 'x']);
    expect(parseSavedProcesses(state)).toEqual([DARK]);
    expect(() => parseSavedProcesses('{}')).toThrow(/not a list/);
  });
});
