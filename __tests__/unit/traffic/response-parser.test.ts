import { describe, expect, it } from 'vitest';
import { ResponseParser } from '../../../src/traffic/http-connection.js';

// The load generator's HTTP/1.x response parser, fed bytes as a socket would hand them over: whole, split at every
// boundary, and written into one reused buffer whose bytes past the end of a read are left from earlier reads.

interface Response {
  status: number;
  keepAlive: boolean;
}

function parser(): { parser: ResponseParser; responses: Response[] } {
  const responses: Response[] = [];
  return {
    parser: new ResponseParser((status, keepAlive) => responses.push({ status, keepAlive })),
    responses,
  };
}

/** Feeds every read to the end, as HttpConnection does; returns false if the parser refused the bytes. */
function feed(target: ResponseParser, reads: readonly Buffer[]): boolean {
  for (const data of reads) {
    let at = 0;
    while (at < data.length) {
      at = target.execute(data, at, data.length);
      if (at < 0) return false;
    }
  }
  return true;
}

/** The same reads copied into one buffer, as `onread` hands them over; its tail holds stale line feeds. */
function feedReused(target: ResponseParser, reads: readonly Buffer[]): boolean {
  const reused = Buffer.alloc(4096, '\n');
  for (const data of reads) {
    data.copy(reused);
    let at = 0;
    while (at < data.length) {
      at = target.execute(reused, at, data.length);
      if (at < 0) return false;
    }
    reused.fill('\n'); // what the parser kept must not be a view of this buffer
  }
  return true;
}

/** Every way to cut `text` into two reads, and one byte per read. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text, 'latin1');
  const cuts: Buffer[][] = [];
  for (let at = 1; at < bytes.length; at++) cuts.push([bytes.subarray(0, at), bytes.subarray(at)]);
  cuts.push([...bytes].map((byte) => Buffer.from([byte])));
  return cuts;
}

const sized = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"app":"ok"}';
const chunked =
  'HTTP/1.1 201 Created\r\ntransfer-encoding: gzip, Chunked\r\n\r\n' +
  '5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n';

describe('ResponseParser', () => {
  it('reads a sized and a chunked response, however the reads cut them', () => {
    for (const [text, status] of [
      [sized, 200],
      [chunked, 201],
    ] as const) {
      for (const reads of splits(text)) {
        for (const run of [feed, feedReused]) {
          const { parser: target, responses } = parser();
          expect(run(target, reads)).toBe(true);
          expect(responses).toEqual([{ status, keepAlive: true }]);
        }
      }
    }
  });

  it('stops after each response, so a second one in the same read is reported on the next call', () => {
    const { parser: target, responses } = parser();
    const data = Buffer.from(sized + chunked, 'latin1');
    const first = target.execute(data, 0, data.length);
    expect(first).toBe(Buffer.byteLength(sized));
    expect(responses).toHaveLength(1);
    expect(target.execute(data, first, data.length)).toBe(data.length);
    expect(responses.map((response) => response.status)).toEqual([200, 201]);
  });

  it('reads past 1xx responses to the real one', () => {
    const { parser: target, responses } = parser();
    const text = `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n${sized}`;
    expect(feed(target, [Buffer.from(text)])).toBe(true);
    expect(responses).toEqual([{ status: 200, keepAlive: true }]);
  });

  it('ends a response to HEAD, a 204 and a 304 after the headers, whatever their content-length', () => {
    const { parser: target, responses } = parser();
    target.bodyless = true;
    expect(feed(target, [Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n')])).toBe(true);
    target.bodyless = false;
    expect(feed(target, [Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')])).toBe(true);
    expect(feed(target, [Buffer.from('HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n')])).toBe(true);
    expect(responses.map((response) => response.status)).toEqual([200, 204, 304]);
  });

  it('keeps the connection per the version and the connection header', () => {
    const cases: [string, boolean][] = [
      ['HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', true],
      ['HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nconnection: Upgrade, CLOSE\r\ncontent-length: 0\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n', true],
    ];
    for (const [text, keepAlive] of cases) {
      const { parser: target, responses } = parser();
      expect(feed(target, [Buffer.from(text)])).toBe(true);
      expect(responses).toEqual([{ status: 200, keepAlive }]);
    }
  });

  it('ends a response without length or chunking at the end of the connection, and closes it', () => {
    const { parser: target, responses } = parser();
    expect(feed(target, [Buffer.from('HTTP/1.1 200 OK\r\n\r\nsome '), Buffer.from('body')])).toBe(true);
    expect(responses).toEqual([]);
    expect(target.finish()).toBe(true);
    expect(responses).toEqual([{ status: 200, keepAlive: false }]);
  });

  it('leaves a response cut short by the end of the connection unreported', () => {
    const { parser: target, responses } = parser();
    expect(feed(target, [Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort')])).toBe(true);
    expect(target.finish()).toBe(false);
    expect(responses).toEqual([]);
  });

  it('refuses what is not an HTTP/1.x response', () => {
    for (const text of [
      'SSH-2.0-OpenSSH_9.6\r\n',
      'HTTP/2 200\r\n\r\n',
      'HTTP/1.1 2x0 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nab\r\n',
      `HTTP/1.1 200 OK\r\nx-long: ${'a'.repeat(70_000)}`,
    ]) {
      const { parser: target, responses } = parser();
      expect(feed(target, [Buffer.from(text)]), text.slice(0, 60)).toBe(false);
      expect(responses).toEqual([]);
    }
  });
});
