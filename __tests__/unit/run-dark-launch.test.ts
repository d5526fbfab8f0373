import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/core/configuration-error.js';
import { localRunId, withDeployedTarget } from '../../src/run-dark-launch.js';
import { buildPlan } from '../fixtures/experiment-result.js';

describe('withDeployedTarget', () => {
  const plan = buildPlan({
    target: { namespace: 'shop', service: 'checkout', darkRevision: 'checkout-c0ffee1' },
  });

  it('completes the plan with the live revision found in the cluster', () => {
    const completed = withDeployedTarget(plan, {
      darkRevision: 'checkout-c0ffee1',
      liveRevision: 'checkout-00007',
    });
    expect(completed.target).toEqual({
      namespace: 'shop',
      service: 'checkout',
      darkRevision: 'checkout-c0ffee1',
      liveRevision: 'checkout-00007',
    });
    expect(completed.objectives).toBe(plan.objectives);
  });

  it('accepts a live-revision that matches, and refuses one that does not, naming the input', () => {
    const named = { ...plan, target: { ...plan.target, liveRevision: 'checkout-00007' } };
    const dark = { darkRevision: 'checkout-c0ffee1', liveRevision: 'checkout-00007' };
    expect(withDeployedTarget(named, dark).target.liveRevision).toBe('checkout-00007');
    const wrong = { ...plan, target: { ...plan.target, liveRevision: 'checkout-00003' } };
    expect(() => withDeployedTarget(wrong, dark)).toThrow(ConfigurationError);
    expect(() => withDeployedTarget(wrong, dark)).toThrow(
      /Invalid live-revision: is "checkout-00003", but shop\/checkout is served by "checkout-00007"/,
    );
  });
});

describe('localRunId', () => {
  it('is a valid label value and differs between runs', () => {
    const ids = new Set(Array.from({ length: 20 }, localRunId));
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^local-[0-9a-f]{8}$/);
  });
});
