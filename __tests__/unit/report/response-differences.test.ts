import { describe, expect, it } from 'vitest';
import type { CompareSummary, TrafficSummary } from '../../../src/core/traffic-summary.js';
import { renderMarkdownReport } from '../../../src/report/markdown-report.js';
import { toResultJson } from '../../../src/report/result-json.js';
import { renderTerminalReport } from '../../../src/report/terminal-report.js';
import { trafficLines } from '../../../src/report/traffic-lines.js';
import { failResult } from '../../fixtures/experiment-result.js';

const NONE = { liveNoResponse: 0, otherNoResponse: 0, overLimit: 0, overBudget: 0 };
const COMPARE: CompareSummary = {
  dark: {
    compared: 320,
    mismatched: 48,
    notCompared: { liveNoResponse: 0, otherNoResponse: 2, overLimit: 1, overBudget: 0 },
  },
  replica: { compared: 322, mismatched: 0, notCompared: NONE },
  maxBodyBytes: 1024 * 1024,
  fields: [
    {
      field: '$.price',
      requests: 48,
      replicaRequests: 0,
      example: { request: 'GET /products/42', at: '$.price', kind: 'changed', live: '28.99', dark: '21.99' },
    },
    {
      field: '$.items[*].name',
      requests: 3,
      replicaRequests: 0,
      example: {
        request: 'GET /search?q=`x`|@octocat',
        at: '$.items[2].name',
        kind: 'changed',
        live: '"<img src=x onerror=alert(1)>"',
        dark: '"a\\nb | c"',
      },
    },
  ],
  moreFields: 4,
  noise: [{ field: '$.traceId', requests: 320, replicaRequests: 322 }],
};

describe('the response differences in the reports', () => {
  it('one line in the traffic summary: how many differed, how many were not compared and why', () => {
    expect(trafficLines({ compare: COMPARE })).toEqual([
      [
        'Compare',
        "dark's answers differed from live's in 48 of 320 compared requests (15.0%), 3 not compared (2 dark gave no response, 1 with a body over 1 MiB); live against its replica 0 of 322 (0.0%)",
      ],
    ]);
  });

  it('the Markdown report lists the top fields with one example each, escaped, and the noise learned', () => {
    const traffic: TrafficSummary = { compare: COMPARE };
    const markdown = renderMarkdownReport({ ...failResult(), traffic }, { experimentName: 'checkout' });
    const section = markdown.slice(
      markdown.indexOf('### Response differences'),
      markdown.indexOf('### Latency trend'),
    );
    expect(section).toContain('| $.price | 48 (15.0%) | GET /products/42 | 28.99 | 21.99 |');
    expect(section).toContain(
      '| $.items&#91;*&#93;.name | 3 (0.9%) | GET /search?q=&#96;x&#96;&#124;&#64;octocat at $.items&#91;2&#93;.name | "&lt;img src=x onerror=alert(1)&gt;" | "a&#92;nb &#124; c" |',
    );
    expect(section).toContain('… and 4 more fields.');
    expect(section).toContain(
      'Learned as noise from the live replica, not counted: $.traceId (dark 320, replica 322).',
    );
    expect(section).not.toMatch(/<img|@octocat/);
  });

  it('the terminal report names the differing fields just before the verdict', () => {
    const text = renderTerminalReport({ ...failResult(), traffic: { compare: COMPARE } });
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(-5, -1)).toEqual([
      'Differing fields (dark against live):',
      '  $.price  48 requests (15.0%)  e.g. GET /products/42: changed, live 28.99, dark 21.99',
      '  $.items[*].name  3 requests (0.9%)  e.g. GET /search?q=`x`|@octocat at $.items[2].name: changed, live "<img src=x onerror=alert(1)>", dark "a\\nb | c"',
      '  … and 4 more fields',
    ]);
    expect(lines.at(-1)).toMatch(/^Verdict: FAIL/);
  });

  it('the result file keeps the whole summary', () => {
    expect(toResultJson({ ...failResult(), traffic: { compare: COMPARE } }).traffic?.compare).toEqual(
      COMPARE,
    );
  });
});
