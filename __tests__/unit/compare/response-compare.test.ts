import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { jsonText } from '../../../src/compare/json-diff.js';
import { type CapturedResponse, compareResponses } from '../../../src/compare/response-compare.js';
import { DEFAULT_IGNORED_HEADERS, parseJsonPathRule } from '../../../src/config/compare-values.js';
import type { CompareConfig } from '../../../src/core/traffic-config.js';

const config: CompareConfig = {
  ignorePaths: [parseJsonPathRule('$.servedAt', 'compare-ignore')],
  ignoreHeaders: [...DEFAULT_IGNORED_HEADERS],
  maxBodyBytes: 1024,
  bodies: 'bytes',
  secretNames: [],
};
const json = (body: unknown, headers: Record<string, string> = {}, status = 200): CapturedResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const fields = (live: CapturedResponse, dark: CapturedResponse, options: Partial<CompareConfig> = {}) => {
  const result = compareResponses(live, dark, { ...config, ...options });
  if (!result.compared) return result.reason;
  return result.differences.map((d) => ({
    field: d.field,
    kind: d.kind,
    live: d.live === undefined ? undefined : jsonText(d.live),
    dark: d.dark === undefined ? undefined : jsonText(d.dark),
  }));
};

describe('compareResponses', () => {
  it('a different status is the one difference: bodies of a 200 and a 404 are not worth comparing', () => {
    expect(fields(json({ a: 1 }), json({ error: 'no' }, {}, 404))).toEqual([
      { field: 'status', kind: 'changed', live: '200', dark: '404' },
    ]);
  });

  it('compares headers except the defaults (date, cookies, request ids) and framing', () => {
    const live = json(
      { a: 1 },
      { date: 'Mon', 'x-request-id': 'a', 'set-cookie': 's=1', 'content-length': '7', etag: '"1"' },
    );
    const dark = json(
      { a: 1 },
      { date: 'Tue', 'x-request-id': 'b', 'set-cookie': 's=2', 'content-length': '8', 'x-new': 'y' },
    );
    expect(fields(live, dark)).toEqual([
      { field: 'header etag', kind: 'missing', live: '"\\"1\\""', dark: undefined },
      { field: 'header x-new', kind: 'added', live: undefined, dark: '"y"' },
    ]);
    expect(fields(live, dark, { ignoreHeaders: [...DEFAULT_IGNORED_HEADERS, 'etag', 'x-new'] })).toEqual([]);
  });

  it('compares JSON bodies field by field, with the ignore rules', () => {
    expect(fields(json({ price: 19.99, servedAt: 1 }), json({ price: 21.99, servedAt: 2 }))).toEqual([
      { field: '$.price', kind: 'changed', live: '19.99', dark: '21.99' },
    ]);
    // Spacing is no difference in JSON.
    expect(fields(json('{"a":[1,2]}'), json('{ "a" : [ 1 , 2 ] }\n'))).toEqual([]);
  });

  it('reports a body that is JSON on one side only as a change of type', () => {
    expect(fields(json({ a: 1 }), json('<html>oops</html>'))).toEqual([
      { field: 'body', kind: 'type', live: '"{\\"a\\":1}"', dark: '"<html>oops</html>"' },
    ]);
  });

  it('compares other bodies byte for byte, or as normalised text, showing where they part', () => {
    const text = (body: string): CapturedResponse => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from(body),
    });
    expect(fields(text('hello\r\nworld  \n'), text('hello\n  world\n'))).toEqual([
      { field: 'body', kind: 'changed', live: '"hello\\r\\nworld  \\n"', dark: '"hello\\n  world\\n"' },
    ]);
    expect(fields(text('hello\r\nworld  \n'), text('hello\n  world\n'), { bodies: 'text' })).toEqual([]);
    expect(fields(text('hello world'), text('hello there'), { bodies: 'text' })).toEqual([
      { field: 'body', kind: 'changed', live: '"hello world"', dark: '"hello there"' },
    ]);
  });

  it('compares compressed bodies decompressed: gzip against brotli of the same JSON is equal', () => {
    const body = Buffer.from(JSON.stringify({ a: 1, b: [1, 2, 3] }));
    const encoded = (encoding: string, bytes: Buffer) => ({
      status: 200,
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      body: bytes,
    });
    const gzip = encoded('gzip', gzipSync(body));
    expect(fields(gzip, encoded('gzip', gzipSync(Buffer.from('{"a":2,"b":[1,2,3]}'))))).toEqual([
      { field: '$.a', kind: 'changed', live: '1', dark: '2' },
    ]);
    expect(
      fields(gzip, encoded('br', brotliCompressSync(body)), { ignoreHeaders: ['content-encoding'] }),
    ).toEqual([]);
    expect(
      fields(gzip, encoded('deflate', deflateRawSync(body)), { ignoreHeaders: ['content-encoding'] }),
    ).toEqual([]);
  });

  it('does not compare what is over the bound, before or after decompression', () => {
    const big = { status: 200, headers: {}, body: undefined };
    expect(fields(json({ a: 1 }), big)).toBe('over-limit');
    const bomb = Buffer.from(JSON.stringify({ pad: 'x'.repeat(5000) }));
    const encoded = {
      status: 200,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(bomb),
    };
    expect(encoded.body.length).toBeLessThan(1024);
    expect(
      fields(encoded, { ...encoded, body: gzipSync(Buffer.from(JSON.stringify({ pad: 'y'.repeat(5000) }))) }),
    ).toBe('over-limit');
  });
});
