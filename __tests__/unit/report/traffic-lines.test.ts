import { describe, expect, it } from 'vitest';
import type { TrafficSummary } from '../../../src/core/traffic-summary.js';
import { renderMarkdownReport } from '../../../src/report/markdown-report.js';
import { toResultJson } from '../../../src/report/result-json.js';
import { renderTerminalReport } from '../../../src/report/terminal-report.js';
import { trafficLines } from '../../../src/report/traffic-lines.js';
import { passResult } from '../../fixtures/experiment-result.js';

const TRAFFIC: TrafficSummary = {
  load: {
    target: 'http://127.0.0.1:41234',
    ratePerSecond: 40,
    durationMs: 9_012,
    sent: 361,
    unsent: 0,
    completed: 361,
    statuses: { '200': 360, '500': 1 },
    timeouts: 0,
    failures: 0,
    achievedRate: 40.06,
    latencyMs: { p50: 4.21, p99: 18.5, max: 31.02 },
  },
  mirror: {
    percent: 50,
    received: 1_200,
    mirrored: 580,
    unsafeNotMirrored: 40,
    liveFailures: 0,
    darkFailures: 2,
  },
};

describe('trafficLines', () => {
  it('says what a replay sent and what it left out', () => {
    const load = {
      ...(TRAFFIC.load as NonNullable<TrafficSummary['load']>),
      ratePerSecond: 8.9,
      replay: {
        file: 'samples/demo/access.log',
        format: 'access-log' as const,
        requests: 58,
        skipped: { 'POST (only GET and HEAD without load-replay-unsafe-methods)': 2 },
        bad: 1,
        badExamples: ['line 9: request "GARBAGE" is not "METHOD /path HTTP/x.y"'],
        recordedPace: true,
      },
    };
    expect(trafficLines({ load })[0]?.[1]).toBe(
      '361 requests in 9.0s (40.1/s at the recorded pace, 8.9/s on average) to http://127.0.0.1:41234; 200 × 360, 500 × 1; ' +
        'latency from intended send time p50 4.21 ms, p99 18.5 ms, max 31.0 ms; replayed 58 recorded requests from ' +
        'samples/demo/access.log (access-log), 2 skipped (POST (only GET and HEAD without load-replay-unsafe-methods)), ' +
        '1 unreadable (line 9: request "GARBAGE" is not "METHOD /path HTTP/x.y")',
    );
  });

  it('says what the load generator and the mirroring proxy did', () => {
    expect(trafficLines(TRAFFIC)).toEqual([
      [
        'Load',
        '361 requests in 9.0s (40.1/s of 40/s) to http://127.0.0.1:41234; 200 × 360, 500 × 1; latency from intended send time p50 4.21 ms, p99 18.5 ms, max 31.0 ms',
      ],
      [
        'Mirror',
        '1,200 requests answered by live, 580 mirrored to dark (50.0% of those eligible, configured 50%), 40 unsafe requests not mirrored; without a response: live 0, dark 2',
      ],
    ]);
  });

  it('names what went wrong with the load, and leaves out latency when nothing completed', () => {
    const [line] = trafficLines({
      load: {
        ...(TRAFFIC.load as NonNullable<TrafficSummary['load']>),
        sent: 100,
        unsent: 20,
        completed: 0,
        statuses: {},
        timeouts: 60,
        failures: 40,
        achievedRate: 0,
      },
    });
    expect(line?.[1]).toBe(
      '100 requests in 9.0s (0.0/s of 40/s, 20 not sent (concurrency cap reached)) to http://127.0.0.1:41234; timeout × 60, no response × 40',
    );
  });
});

describe('the reports with traffic', () => {
  const result = { ...passResult(), traffic: TRAFFIC };

  it('list the load and the mirror in the Markdown summary and the terminal report', () => {
    expect(renderMarkdownReport(result, { experimentName: 'checkout-latency' })).toMatch(
      /^- \*\*Load:\*\* 361 requests in 9\.0s .*\n- \*\*Mirror:\*\* 1,200 requests answered by live/m,
    );
    expect(renderTerminalReport(result)).toMatch(/^Load: 361 requests in 9\.0s .*\nMirror: 1,200 requests/m);
  });

  it('keep them in the result file', () => {
    expect(toResultJson(result).traffic).toEqual(TRAFFIC);
    expect(toResultJson(passResult()).traffic).toBeUndefined();
  });
});
