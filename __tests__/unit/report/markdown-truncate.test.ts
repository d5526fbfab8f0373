import { describe, expect, it } from 'vitest';
import { experimentMarker } from '../../../src/report/comment-marker.js';
import { renderMarkdownReport } from '../../../src/report/markdown-report.js';
import { truncateMarkdown, truncationNote } from '../../../src/report/markdown-truncate.js';
import { passResult } from '../../fixtures/experiment-result.js';

const GITHUB_COMMENT_MAX = 65_536;
const RUN_URL = 'https://github.com/acme/shop/actions/runs/1';

/** A report whose collapsed queries section alone is far over the comment limit. */
function hugeReport(): string {
  const base = passResult();
  const queries = Array.from({ length: 400 }, (_, i) => ({
    metricId: `custom-${i}`,
    version: 'dark' as const,
    query: `sum(rate(http_requests_total{job="checkout", path=~"/api/v1/${'x'.repeat(300)}"}[$window])) # ${i}`,
  }));
  return renderMarkdownReport(
    { ...base, queries },
    { experimentName: 'checkout-latency', marker: experimentMarker('checkout-latency'), runUrl: RUN_URL },
  );
}

/** Counts fences outside code and `<details>` balance, the way a markdown reader would. */
function openBlocks(md: string): { fenceOpen: boolean; details: number } {
  let fence: string | undefined;
  let details = 0;
  for (const line of md.split('\n')) {
    const run = /^(`{3,})/.exec(line)?.[1];
    if (fence) {
      if (run && run.length >= fence.length && line.trim() === run) fence = undefined;
    } else if (run) {
      fence = run;
    } else {
      details += (line.match(/<details>/g)?.length ?? 0) - (line.match(/<\/details>/g)?.length ?? 0);
    }
  }
  return { fenceOpen: fence !== undefined, details };
}

describe('truncateMarkdown', () => {
  it('returns text within the limit unchanged', () => {
    const md = renderMarkdownReport(passResult(), { experimentName: 'x' });
    expect(truncateMarkdown(md)).toBe(md);
  });

  it('cuts a huge report below the comment limit, closing the open fence and details', () => {
    const md = hugeReport();
    expect(md.length).toBeGreaterThan(100_000);
    expect(openBlocks(md)).toEqual({ fenceOpen: false, details: 0 });

    const cut = truncateMarkdown(md, undefined, truncationNote(RUN_URL));
    expect(cut.length).toBeLessThanOrEqual(65_000);
    expect(cut.length).toBeLessThan(GITHUB_COMMENT_MAX);
    expect(cut.length).toBeGreaterThan(60_000);
    expect(openBlocks(cut)).toEqual({ fenceOpen: false, details: 0 });
    expect(cut.split('\n')[0]).toBe(experimentMarker('checkout-latency'));
    expect(cut).toContain(`full report is in the [job summary of the workflow run](${RUN_URL})`);
    expect(md.startsWith(cut.slice(0, cut.lastIndexOf('</details>') - 200))).toBe(true);
  });

  it('cuts at a line boundary', () => {
    const md = hugeReport();
    const cut = truncateMarkdown(md, 20_000, 'NOTE');
    const kept = cut.slice(0, cut.indexOf('\n```\n'));
    expect(md.startsWith(`${kept}\n`)).toBe(true);
    expect(cut.endsWith('\n\n</details>\n\nNOTE\n')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(20_000);
  });

  it('closes a fence with one longer than three backticks', () => {
    const md = ['<details>', '', '`````', ...Array.from({ length: 100 }, () => 'x'.repeat(50))].join('\n');
    const cut = truncateMarkdown(md, 1_000, 'NOTE');
    expect(cut.endsWith('\n`````\n\n</details>\n\nNOTE\n')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(1_000);
  });

  it('keeps no links other than http(s) in the note', () => {
    expect(truncationNote('javascript:alert(1)')).not.toContain('javascript:');
  });
});
