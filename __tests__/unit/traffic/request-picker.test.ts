import { describe, expect, it } from 'vitest';
import type { RequestTemplate } from '../../../src/core/traffic-config.js';
import { serializeRequest } from '../../../src/traffic/http-connection.js';
import { RequestPicker } from '../../../src/traffic/request-picker.js';

const template = (path: string, weight: number): RequestTemplate => ({
  method: 'GET',
  path,
  headers: {},
  weight,
});

describe('RequestPicker', () => {
  it('picks in proportion to the weights, within ±2 points over 20,000 picks', () => {
    const picker = new RequestPicker([template('/a', 1), template('/b', 3), template('/c', 6)], 7);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const { path } = picker.next();
      counts[path] = (counts[path] ?? 0) + 1;
    }
    expect(Math.abs((counts['/a'] ?? 0) / 200 - 10)).toBeLessThanOrEqual(2);
    expect(Math.abs((counts['/b'] ?? 0) / 200 - 30)).toBeLessThanOrEqual(2);
    expect(Math.abs((counts['/c'] ?? 0) / 200 - 60)).toBeLessThanOrEqual(2);
  });

  it('gives the same sequence for the same seed, another for another seed', () => {
    const templates = [template('/a', 1), template('/b', 1)];
    const sequence = (seed: number) => {
      const picker = new RequestPicker(templates, seed);
      return Array.from({ length: 100 }, () => picker.next().path).join();
    };
    expect(sequence(1)).toBe(sequence(1));
    expect(sequence(2)).not.toBe(sequence(1));
  });
});

describe('serializeRequest', () => {
  const target = { host: '127.0.0.1', port: 8080, tls: false };

  it('writes the request line, a Host header, the headers, and a sized body', () => {
    const bytes = serializeRequest(target, {
      method: 'POST',
      path: '/cart?id=1',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":"é"}',
    });
    expect(bytes.toString()).toBe(
      'POST /cart?id=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n{"sku":"é"}',
    );
  });

  it("keeps the caller's Host header, and sends no body or length when there is none", () => {
    const bytes = serializeRequest(target, { method: 'GET', path: '/', headers: { Host: 'shop.example' } });
    expect(bytes.toString()).toBe('GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n');
  });
});
