import { describe, expect, it } from 'vitest';
import { experimentMarker } from '../../../src/report/comment-marker.js';
import { renderErrorReport, renderMarkdownReport } from '../../../src/report/markdown-report.js';
import {
  buildPlan,
  buildResult,
  failFastResult,
  failResult,
  inconclusiveResult,
  passResult,
} from '../../fixtures/experiment-result.js';

const context = {
  experimentName: 'checkout-latency',
  runUrl: 'https://github.com/acme/shop/actions/runs/123456789',
  repository: 'acme/shop',
  sha: '9f2c1e7b4a0d3c5e6f7a8b9c0d1e2f3a4b5c6d7e',
  marker: experimentMarker('checkout-latency'),
};

describe('renderMarkdownReport', () => {
  it('renders a passing run in full', async () => {
    await expect(renderMarkdownReport(passResult(), context)).toMatchFileSnapshot(
      '__snapshots__/markdown-report-pass.md',
    );
  });

  it('renders a failing run in full', async () => {
    await expect(renderMarkdownReport(failResult(), context)).toMatchFileSnapshot(
      '__snapshots__/markdown-report-fail.md',
    );
  });

  it('puts the marker on the first line and nothing before it', () => {
    const md = renderMarkdownReport(passResult(), context);
    expect(md.split('\n')[0]).toBe('<!-- shadowgate:experiment=checkout-latency -->');
    expect(renderMarkdownReport(passResult(), { experimentName: 'x' }).startsWith('## ✅')).toBe(true);
  });

  it('shows verdict icons and the one-line reason', () => {
    expect(renderMarkdownReport(passResult(), context)).toContain(
      '## ✅ Shadowgate: checkout-latency passed',
    );
    const fail = renderMarkdownReport(failResult(), context);
    expect(fail).toContain('## ❌ Shadowgate: checkout-latency failed');
    expect(fail).toContain(
      '\n\np95-latency 131.5 ms, limit &lt; 100 ms; mean-latency 15.3 ms, limit &lt;= 14.4 ms\n\n',
    );
    expect(renderMarkdownReport(inconclusiveResult(), context)).toContain(
      '## ⚠️ Shadowgate: checkout-latency was inconclusive',
    );
  });

  it('marks unavailable readings with ? and the reason', () => {
    const md = renderMarkdownReport(inconclusiveResult(), context);
    expect(md).toContain(
      '| error-rate &lt; 1% | unavailable | — | &lt; 1% | ? dark error-rate: prometheus unreachable after 3 attempts (ECONNREFUSED) |',
    );
    expect(md).toContain(
      '| mean-latency &lt;= live + 20% | 12.8 ms | unavailable | &lt;= live + 20% | ? live mean-latency: prometheus unreachable',
    );
    expect(md).toContain('| p95-latency &lt; 100ms | 86 ms | — | &lt; 100 ms | ✓ |');
  });

  it('says how a fail-fast run stopped', () => {
    const md = renderMarkdownReport(failFastResult(), context);
    expect(md).toContain(
      '**Run:** stopped early by fail-fast — stopped after iteration 3 of 10: breach held for 2 consecutive iterations (p95-latency 150.3 ms, limit &lt; 100 ms)',
    );
  });

  it('says how an aborted run stopped, even before the first iteration', () => {
    const md = renderMarkdownReport(
      buildResult([], {
        stop: { reason: 'aborted', detail: 'aborted before iteration 1: received SIGTERM' },
        reason: 'run aborted before iteration 1: received SIGTERM',
      }),
      context,
    );
    expect(md).toContain('**Run:** aborted — aborted before iteration 1: received SIGTERM');
    expect(md).toContain('No iteration completed, so no objective was assessed.');
    expect(md).not.toContain('```mermaid');
  });

  it('charts latency with one line per objective value and limit, skipping iterations without data', () => {
    const md = renderMarkdownReport(passResult(), context);
    const chart = /```mermaid\n([\s\S]*?)\n```/.exec(md)?.[1];
    expect(chart).toBe(
      [
        'xychart-beta',
        '  title "Latency by iteration"',
        '  x-axis "iteration" ["2", "3", "4", "5"]',
        '  y-axis "ms" 0 --> 110',
        '  line "p95-latency dark" [84.1, 86.7, 85.2, 87.3]',
        '  line "p95-latency limit" [100, 100, 100, 100]',
        '  line "mean-latency dark" [12.4, 12.9, 12.6, 13.1]',
        '  line "mean-latency limit" [14.16, 14.52, 14.4, 14.4]',
      ].join('\n'),
    );
    expect(md).toContain('Iterations without data are left out: 1.');
  });

  it('omits the chart when no objective is a latency', () => {
    const plan = buildPlan();
    const result = { ...passResult(), plan: { ...plan, objectives: plan.objectives.slice(2) } };
    expect(renderMarkdownReport(result, context)).not.toContain('xychart-beta');
  });

  it('links only http(s) run URLs', () => {
    const md = renderMarkdownReport(passResult(), { ...context, runUrl: 'javascript:alert(1)' });
    expect(md).not.toContain('javascript:');
  });
});

describe('renderErrorReport', () => {
  it('says the run reached no verdict, quotes the error and links the run', () => {
    const markdown = renderErrorReport(
      'The dark Deployment "checkout-pr42" in namespace "shop" failed to roll out: pod checkout-pr42-x container app: ImagePullBackOff',
      context,
    );
    expect(markdown.split('\n')[0]).toBe(context.marker);
    expect(markdown).toContain('## ⚠️ Shadowgate: checkout-latency could not run');
    expect(markdown).toContain('No verdict: the run stopped before it evaluated the dark version.');
    expect(markdown).toContain(
      '```\nThe dark Deployment "checkout-pr42" in namespace "shop" failed to roll out',
    );
    expect(markdown).toContain(
      '[Workflow run and job summary](https://github.com/acme/shop/actions/runs/123456789)',
    );
  });
});
