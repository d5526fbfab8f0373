import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAccessLog } from '../../../../src/traffic/replay/access-log-reader.js';
import { readHar } from '../../../../src/traffic/replay/har-reader.js';
import { readJsonLines } from '../../../../src/traffic/replay/jsonl-reader.js';

// The fixtures were written by the real tools (see __tests__/fixtures/replay/README.md and record.sh).
const fixture = (name: string) => readFileSync(`__tests__/fixtures/replay/${name}`, 'utf8');
const lines = (traffic: ReturnType<typeof readHar>) =>
  traffic.requests.map((request) => `${request.method} ${request.path}`);

describe('readHar on a HAR 1.2 export of mitmproxy 11', () => {
  const traffic = readHar(fixture('mitmproxy.har'));

  it('reads every entry: method, origin-form path, headers without Host or Content-Length, bodies', () => {
    expect(lines(traffic)).toEqual([
      'GET /products',
      'GET /products/42',
      'GET /cart',
      'GET /products/7?ref=home&token=abc123',
      'HEAD /products/3',
      'GET /products/99',
      'POST /cart',
      'POST /search',
      'GET /cart',
    ]);
    expect(traffic.bad).toEqual([]);
    const [first, , cart, , , , post, form] = traffic.requests;
    // The HAR also lists Host (and Content-Length for the POSTs): the connection sets those itself.
    expect(first?.headers).toEqual({
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      accept: 'application/json',
    });
    expect(first?.headers).not.toHaveProperty('host');
    expect(cart?.headers.authorization).toBe('Bearer not-a-real-token');
    expect(post?.body).toBe('{"sku":42,"quantity":2}');
    expect(post?.headers).not.toHaveProperty('content-length');
    expect(form?.body).toBe('q=caf%C3%A9+cr%C3%A8me&page=2');
  });

  it('keeps the recorded times (microseconds and an offset, as mitmproxy writes them), in order', () => {
    const times = traffic.requests.map((request) => request.atMs as number);
    expect(times.every(Number.isFinite)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThan(1000);
  });

  it('keeps only the host with the most entries, counting the others as skipped', () => {
    const har = JSON.parse(fixture('mitmproxy.har'));
    har.log.entries[0].request.url = 'https://fonts.example.net/css?family=Inter';
    const mixed = readHar(JSON.stringify(har));
    expect(mixed.requests).toHaveLength(8);
    expect([...mixed.skipped]).toEqual([['to another host than 127.0.0.1:18381 (fonts.example.net)', 1]]);
  });

  it("drops HTTP/2 pseudo-headers, which browsers' HARs list as headers", () => {
    // Not a real export: Chromium is not on this machine. Its HARs name h2 requests' pseudo-headers this way.
    const entry = {
      startedDateTime: '2026-11-27T10:00:00.000Z',
      request: {
        method: 'GET',
        url: 'https://shop.example.com/products?page=2',
        headers: [
          { name: ':authority', value: 'shop.example.com' },
          { name: ':method', value: 'GET' },
          { name: ':path', value: '/products?page=2' },
          { name: 'accept', value: 'application/json' },
        ],
      },
    };
    const [request] = readHar(JSON.stringify({ log: { version: '1.2', entries: [entry] } })).requests;
    expect(request).toEqual({
      method: 'GET',
      path: '/products?page=2',
      headers: { accept: 'application/json' },
      atMs: Date.UTC(2026, 10, 27, 10),
    });
  });

  it('names the entries it cannot use, and a file that is no HAR', () => {
    const har = JSON.parse(fixture('mitmproxy.har'));
    har.log.entries[1].request.url = 'not a url';
    har.log.entries[2].request.method = 7;
    har.log.entries[3] = { startedDateTime: 'x' };
    const read = readHar(JSON.stringify(har));
    expect(read.requests).toHaveLength(6);
    expect(read.bad).toEqual([
      { where: 'entry 2', reason: 'request.url is not an absolute URL' },
      { where: 'entry 3', reason: 'no request.method' },
      { where: 'entry 4', reason: 'no request' },
    ]);
    expect(readHar('{"log": {}}').bad).toEqual([
      { where: 'file', reason: 'no log.entries list: not a HAR 1.2 file' },
    ]);
    expect(readHar('GET / HTTP/1.1').bad[0]?.reason).toMatch(/^not JSON/);
  });
});

describe('readAccessLog', () => {
  it("reads Debian's nginx combined log: escapes undone, bad requests named, User-Agent and Referer kept", () => {
    const traffic = readAccessLog(fixture('nginx-combined.log'));
    expect(lines(traffic)).toEqual([
      'GET /products',
      'GET /products/42',
      'GET /cart',
      'GET /products/7?ref=home&token=abc123',
      'HEAD /products/3',
      'GET /products/99',
      'POST /cart',
      'POST /search',
      'GET /cart',
    ]);
    expect(traffic.requests[1]?.headers).toEqual({
      referer: 'http://127.0.0.1:18380/products',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    });
    // nginx wrote the quotes and the backslash of this User-Agent as \x22 and \x5C.
    expect(traffic.requests[5]?.headers['user-agent']).toBe('agent with "quotes" and \\backslash');
    expect(traffic.bad).toEqual([
      { where: 'line 9', reason: 'request "GARBAGE" is not "METHOD /path HTTP/x.y"' },
      {
        where: 'line 10',
        // The TLS ClientHello bytes nginx logged as \xHH, named as JSON would write them.
        reason: 'request "\\u0016\\u0003\\u0001\\u0000¥\\u0001\\u0000\\u0000" is not "METHOD /path HTTP/x.y"',
      },
    ]);
  });

  it('spreads the requests logged within one second evenly over it (the log has one-second resolution)', () => {
    const traffic = readAccessLog(fixture('nginx-combined.log'));
    const second = Date.UTC(2026, 11, 2, 20, 5, 29);
    const offsets = traffic.requests.slice(0, 3).map((request) => (request.atMs as number) - second);
    [0, 1000 / 3, 2000 / 3].forEach((expected, i) => {
      expect(offsets[i]).toBeCloseTo(expected, 2);
    });
  });

  it('reads Apache httpd\'s common log: no headers, `-` for no bytes, \\" and \\\\ escapes', () => {
    const traffic = readAccessLog(fixture('apache-common.log'));
    expect(lines(traffic)).toEqual([
      'GET /products',
      'GET /products/42',
      'GET /cart',
      'HEAD /products/3',
      'DELETE /cart',
      'GET /a"b\\c',
      'GET /products?page=2',
    ]);
    expect(traffic.requests.every((request) => Object.keys(request.headers).length === 0)).toBe(true);
    expect(traffic.bad).toEqual([
      { where: 'line 7', reason: 'request "BOGUS" is not "METHOD /path HTTP/x.y"' },
    ]);
  });

  it('reads the time zone, and names lines that are not in the format', () => {
    const [request] = readAccessLog(
      '10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n',
    ).requests;
    expect(request?.atMs).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    const bad = readAccessLog(
      [
        'just some text',
        '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2xx 1',
        '1.2.3.4 - - [yesterday] "GET / HTTP/1.0" 200 1',
        '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 1',
        '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET * HTTP/1.1" 200 1',
      ].join('\n'),
    ).bad.map((problem) => problem.reason);
    expect(bad).toEqual([
      'fewer fields than the common log format has (host ident user [time] "request" status bytes)',
      'status "2xx" is not a three-digit code',
      'time "yesterday" is not dd/Mon/yyyy:HH:MM:SS ±hhmm',
      'a quoted field without its closing quote',
      'request target "*" is not a path',
    ]);
  });

  it('percent-encodes bytes that nginx unescaped from \\xHH so the path can be sent', () => {
    const [request] = readAccessLog(
      '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /caf\\xC3\\xA9 HTTP/1.1" 200 1 "-" "-"',
    ).requests;
    expect(request?.path).toBe('/caf%C3%A9');
  });
});

describe('readJsonLines', () => {
  it('reads the documented form, with defaults, comments and blank lines', () => {
    const traffic = readJsonLines(
      [
        '# recorded by our gateway',
        '{"method": "GET", "path": "/products?page=2", "headers": {"accept": "application/json", "Host": "x"}, "time": "2026-11-27T10:00:00.125Z"}',
        '',
        '{"path": "/cart", "time": 1795860000250}',
        '{"method": "post", "url": "https://shop.example.com/cart", "body": "{\\"sku\\": 1}"}',
      ].join('\n'),
    );
    expect(traffic.bad).toEqual([]);
    expect(traffic.requests).toEqual([
      {
        method: 'GET',
        path: '/products?page=2',
        headers: { accept: 'application/json' },
        atMs: Date.UTC(2026, 10, 27, 10, 0, 0, 125),
      },
      { method: 'GET', path: '/cart', headers: {}, atMs: 1795860000250 },
      { method: 'POST', path: '/cart', headers: {}, body: '{"sku": 1}' },
    ]);
  });

  it('names each bad line and why', () => {
    const bad = readJsonLines(
      [
        '{"path": "/a"',
        '[1]',
        '{"path": "/a", "weight": 2}',
        '{"path": "a"}',
        '{"path": "/a", "headers": {"x": 1}}',
        '{"path": "/a", "time": "soon"}',
      ].join('\n'),
    ).bad;
    expect(bad.map((problem) => problem.where)).toEqual([
      'line 1',
      'line 2',
      'line 3',
      'line 4',
      'line 5',
      'line 6',
    ]);
    expect(bad.slice(1).map((problem) => problem.reason)).toEqual([
      'not a JSON object',
      'unknown key "weight"; allowed: method, path, url, headers, body, time',
      'needs a path starting with / (or an http(s) url)',
      'header x is not a string',
      'time is neither ISO 8601 nor epoch milliseconds',
    ]);
  });
});
