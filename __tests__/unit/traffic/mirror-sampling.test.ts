import { describe, expect, it } from 'vitest';
import { isUnsafeMethod, MirrorSampler } from '../../../src/traffic/mirror-sampling.js';

const REQUESTS = 20_000;

function share(decide: (i: number) => boolean): number {
  let mirrored = 0;
  for (let i = 0; i < REQUESTS; i++) if (decide(i)) mirrored++;
  return (mirrored / REQUESTS) * 100;
}

describe('MirrorSampler', () => {
  it.each([1, 10, 25, 50, 90])('mirrors %s%% of 20,000 identical requests, within ±2 points', (percent) => {
    const sampler = new MirrorSampler(percent);
    const measured = share(() => sampler.shouldMirror('GET', '/products', undefined));
    expect(Math.abs(measured - percent)).toBeLessThanOrEqual(2);
  });

  it.each([5, 30, 75])('mirrors %s%% of 20,000 distinct requests, within ±2 points', (percent) => {
    const sampler = new MirrorSampler(percent);
    const body = new Uint8Array(8);
    const measured = share((i) => {
      body[0] = i & 0xff;
      return sampler.shouldMirror('GET', `/products/${i}`, body);
    });
    expect(Math.abs(measured - percent)).toBeLessThanOrEqual(2);
  });

  it('mirrors the same requests on a re-run of the same sequence', () => {
    const decisions = () => {
      const sampler = new MirrorSampler(20);
      return Array.from({ length: 2000 }, (_, i) =>
        sampler.shouldMirror(i % 3 === 0 ? 'POST' : 'GET', `/items/${i % 17}`, Buffer.from(`{"n":${i % 5}}`)),
      );
    };
    const first = decisions();
    expect(decisions()).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('decides by x-request-id when there is one, whatever the content', () => {
    const a = new MirrorSampler(50);
    const b = new MirrorSampler(50);
    const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
    const first = ids.map((id) => a.shouldMirror('GET', '/a', undefined, id));
    const second = ids.map((id, i) => b.shouldMirror('POST', `/other/${i}`, Buffer.from('x'), id));
    expect(second).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(50);
    expect(first.filter(Boolean).length).toBeLessThan(150);
  });

  it('tells requests apart by method, path and body', () => {
    // A fresh sampler per request: only the content decides, and different contents decide differently.
    const decide = (method: string, path: string, body?: string) =>
      new MirrorSampler(50).shouldMirror(method, path, body === undefined ? undefined : Buffer.from(body));
    const variants = Array.from({ length: 64 }, (_, i) => decide('GET', `/p${i}`));
    expect(new Set(variants).size).toBe(2);
    const bodies = Array.from({ length: 64 }, (_, i) => decide('POST', '/p', `body ${i}`));
    expect(new Set(bodies).size).toBe(2);
  });

  it('mirrors everything at 100%', () => {
    const sampler = new MirrorSampler(100);
    expect(share(() => sampler.shouldMirror('GET', '/', undefined))).toBe(100);
  });
});

describe('isUnsafeMethod', () => {
  it('is true for POST, PUT, PATCH and DELETE only', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'post'].map(isUnsafeMethod)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['GET', 'HEAD', 'OPTIONS', 'TRACE'].map(isUnsafeMethod)).toEqual([false, false, false, false]);
  });
});
