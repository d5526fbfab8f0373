import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFormat, loadReplay } from '../../../../src/traffic/replay/replay-file.js';
import { replayAtRate, replayAtRecordedPace } from '../../../../src/traffic/request-schedule.js';

const fixture = (name: string) => readFileSync(`__tests__/fixtures/replay/${name}`, 'utf8');
const config = (path: string, unsafeMethods = false) => ({ path, format: 'auto' as const, unsafeMethods });

describe('loadReplay', () => {
  it('tells the formats apart from the content', () => {
    expect(detectFormat(fixture('mitmproxy.har'))).toBe('har');
    expect(detectFormat(fixture('nginx-combined.log'))).toBe('access-log');
    expect(detectFormat('# ours\n{"path": "/"}\n{"path": "/a"}')).toBe('jsonl');
  });

  it('replays GET and HEAD only unless unsafe methods are enabled, and counts what it left out', () => {
    const replay = loadReplay(config('nginx-combined.log'), fixture('nginx-combined.log'), true);
    expect(replay.requests.map((request) => request.method)).toEqual([
      'GET',
      'GET',
      'GET',
      'GET',
      'HEAD',
      'GET',
      'GET',
    ]);
    expect(replay.summary).toEqual({
      file: 'nginx-combined.log',
      format: 'access-log',
      requests: 7,
      skipped: { 'POST (only GET and HEAD without load-replay-unsafe-methods)': 2 },
      bad: 2,
      badExamples: [
        'line 9: request "GARBAGE" is not "METHOD /path HTTP/x.y"',
        expect.stringMatching(/^line 10: request /),
      ],
      recordedPace: true,
    });
    expect(replay.offsetsMs?.[0]).toBe(0);
    const all = loadReplay(config('mitmproxy.har', true), fixture('mitmproxy.har'), false);
    expect(all.requests).toHaveLength(9);
    expect(all.offsetsMs).toBeUndefined();
  });

  it('at the recorded pace, needs a time per request, and sorts by it', () => {
    const text = '{"path": "/b", "time": 2000}\n{"path": "/a", "time": 1000}\n{"path": "/c"}';
    const paced = loadReplay(config('t.jsonl'), text, true);
    expect(paced.requests.map((request) => request.path)).toEqual(['/a', '/b']);
    expect(paced.offsetsMs).toEqual([0, 1000]);
    expect(paced.summary.badExamples).toEqual([
      '1 request(s): no time, which the recorded pace needs (or set load-rate)',
    ]);
    expect(loadReplay(config('t.jsonl'), text, false).requests.map((request) => request.path)).toEqual([
      '/b',
      '/a',
      '/c',
    ]);
  });

  it('fails, naming the file and why, only when nothing is usable', () => {
    expect(() => loadReplay(config('empty.log'), 'GARBAGE\n', false)).toThrow(
      'load-replay: empty.log (read as access-log) has no request to replay; line 1: fewer fields',
    );
    expect(() => loadReplay(config('posts.jsonl'), '{"method": "POST", "path": "/cart"}', false)).toThrow(
      '1 skipped: POST (only GET and HEAD without load-replay-unsafe-methods)',
    );
  });
});

describe('replay schedules', () => {
  const requests = ['/a', '/b', '/c'].map((path) => ({ method: 'GET', path, headers: {}, weight: 1 }));

  it('at the recorded pace: the offsets, then again one mean gap after the last', () => {
    const schedule = replayAtRecordedPace(requests, [0, 100, 400]);
    expect([0, 1, 2, 3, 4, 5, 6].map((k) => schedule.dueAtMs(k))).toEqual([
      0, 100, 400, 600, 700, 1000, 1200,
    ]);
    expect([0, 1, 2, 3].map((k) => schedule.request(k).path)).toEqual(['/a', '/b', '/c', '/a']);
    expect(schedule.ratePerSecond).toBe(5);
  });

  it('at a rate: the recording in order, one request every 1/rate', () => {
    const schedule = replayAtRate(20, requests);
    expect([0, 1, 4].map((k) => schedule.dueAtMs(k))).toEqual([0, 50, 200]);
    expect([0, 1, 2, 3, 4].map((k) => schedule.request(k).path)).toEqual(['/a', '/b', '/c', '/a', '/b']);
  });
});
