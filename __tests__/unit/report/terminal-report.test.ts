import { describe, expect, it } from 'vitest';
import { renderTerminalReport } from '../../../src/report/terminal-report.js';
import { failFastResult, inconclusiveResult, passResult } from '../../fixtures/experiment-result.js';

describe('renderTerminalReport', () => {
  it('prints an aligned objectives table, the stop reason and the verdict', () => {
    expect(renderTerminalReport(passResult())).toBe(
      [
        'Shadowgate: checkout-latency',
        'Target: shop/checkout  dark checkout-00042  live checkout-00041',
        'Metrics: prometheus (istio) at http://prometheus.monitoring:9090',
        '',
        'Objectives (iteration 5):',
        '  Objective                   Dark     Live   Limit                      Status',
        '  p95-latency < 100ms         87.3 ms  -      < 100 ms                   ✓ met',
        '  mean-latency <= live + 20%  13.1 ms  12 ms  <= live + 20% (= 14.4 ms)  ✓ met',
        '  error-rate < 1%             0.52%    -      < 1%                       ✓ met',
        '',
        'Requests: dark 2,466  live 11,790',
        'Run: completed — all 5 iterations ran',
        'Decision: point values against the limits (confidence: off, as Iter8 judged): no allowance for sampling noise',
        'Verdict: PASS - all 3 objectives met',
        '',
      ].join('\n'),
    );
  });

  it('gives the reason for unknown objectives and the fail-fast stop', () => {
    expect(renderTerminalReport(inconclusiveResult())).toContain(
      '? unknown (dark error-rate: prometheus unreachable after 3 attempts (ECONNREFUSED))',
    );
    const failFast = renderTerminalReport(failFastResult());
    expect(failFast).toContain('Run: stopped early by fail-fast — stopped after iteration 3 of 10');
    expect(failFast).toContain('Verdict: FAIL - p95-latency 150.3 ms, limit < 100 ms');
  });

  it('contains no markdown and no control characters from untrusted text', () => {
    const base = passResult();
    const text = renderTerminalReport({ ...base, reason: 'bad \u001b[31mred\u001b[0m\nnext' });
    expect(text).not.toMatch(/[|#*`]|<details>/);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('Verdict: PASS - bad  [31mred [0m next');
  });
});
