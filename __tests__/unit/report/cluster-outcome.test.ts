import { describe, expect, it } from 'vitest';
import { clusterOutcomeLines } from '../../../src/report/cluster-outcome.js';
import { renderMarkdownReport } from '../../../src/report/markdown-report.js';
import { renderTerminalReport } from '../../../src/report/terminal-report.js';
import { passResult } from '../../fixtures/experiment-result.js';

const CLEAN = {
  deleted: ['Deployment "checkout-c0ffee1"', 'Service "checkout-c0ffee1"'],
  restored: ['VirtualService "checkout"'],
  failures: [],
};

describe('clusterOutcomeLines', () => {
  it('says what was promoted and what cleanup did', () => {
    expect(
      clusterOutcomeLines({
        promoted: 'Deployment "checkout" now runs ghcr.io/acme/checkout:pr-42',
        cleanup: CLEAN,
      }),
    ).toEqual([
      ['Promoted', 'Deployment "checkout" now runs ghcr.io/acme/checkout:pr-42'],
      [
        'Cleanup',
        'deleted Deployment "checkout-c0ffee1", Service "checkout-c0ffee1"; restored VirtualService "checkout"',
      ],
    ]);
  });

  it('names what could not be undone, a failed promotion and a failed cleanup', () => {
    expect(
      clusterOutcomeLines({
        promotionFailure: 'cannot update deployments.apps "checkout": forbidden',
        cleanup: { deleted: [], restored: [], failures: ['VirtualService "checkout": conflict'] },
      }),
    ).toEqual([
      [
        'Promotion failed',
        'cannot update deployments.apps "checkout": forbidden; the live version is unchanged',
      ],
      [
        'Cleanup',
        'nothing left to undo; could not undo VirtualService "checkout": conflict (the post step tries again)',
      ],
    ]);
    expect(clusterOutcomeLines({ cleanupFailure: 'connect ECONNREFUSED' })).toEqual([
      ['Cleanup failed', 'connect ECONNREFUSED; the post step tries again'],
    ]);
    expect(clusterOutcomeLines({})).toEqual([]);
  });
});

describe('reports with a cluster outcome', () => {
  it('the markdown summary lists promotion and cleanup, escaped', () => {
    const markdown = renderMarkdownReport(passResult(), {
      experimentName: 'checkout',
      cluster: { promoted: 'Knative Service "checkout" sends 100% to <checkout-c0ffee1>', cleanup: CLEAN },
    });
    expect(markdown).toContain(
      '- **Promoted:** Knative Service "checkout" sends 100% to &lt;checkout-c0ffee1&gt;\n',
    );
    expect(markdown).toContain('- **Cleanup:** deleted Deployment "checkout-c0ffee1"');
    expect(renderMarkdownReport(passResult(), { experimentName: 'checkout' })).not.toContain('Cleanup');
  });

  it('the terminal report prints them before the verdict', () => {
    const text = renderTerminalReport(passResult(), { cleanup: CLEAN });
    expect(text).toMatch(/^Cleanup: deleted .*\nVerdict: PASS/m);
  });
});
