import { describe, expect, it } from 'vitest';
import { BodyCapture, CaptureBudget } from '../../../src/traffic/body-capture.js';

const chunk = (bytes: number) => Buffer.alloc(bytes, 'x');

describe('BodyCapture', () => {
  it('keeps the headers and the body up to its bound', () => {
    const budget = new CaptureBudget(1_000);
    const capture = new BodyCapture(100, budget);
    capture.start(200, { 'content-type': 'text/plain' });
    capture.add(chunk(40));
    capture.add(chunk(60));
    expect(capture.response(200)).toEqual({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: chunk(100),
    });
    expect(budget.heldBytes).toBe(100);
    capture.release();
    expect(budget.heldBytes).toBe(0);
  });

  it('past its bound, lets go of the body and gives the bytes back', () => {
    const budget = new CaptureBudget(1_000);
    const capture = new BodyCapture(100, budget);
    capture.add(chunk(80));
    capture.add(chunk(80));
    capture.add(chunk(80));
    expect(capture.response(200).body).toBeUndefined();
    expect(capture.overBudget).toBe(false);
    expect(budget.heldBytes).toBe(0);
  });

  it('when the bodies held by all captures reach the budget, is not kept, and says why', () => {
    const budget = new CaptureBudget(150);
    const first = new BodyCapture(100, budget);
    const second = new BodyCapture(100, budget);
    first.add(chunk(100));
    second.add(chunk(30));
    second.add(chunk(30));
    expect(second.overBudget).toBe(true);
    expect(second.response(200).body).toBeUndefined();
    expect(budget.heldBytes).toBe(100);
    first.release();
    const third = new BodyCapture(100, budget);
    third.add(chunk(100));
    expect(third.response(200).body).toHaveLength(100);
  });
});
