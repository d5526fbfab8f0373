import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { RequestOutcome } from './dispatch-request.js';

export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/**
 * Where plain-TCP sockets read into. One buffer serves every socket: each read is parsed before the next one
 * starts (the parser copies the rare line split across reads), so nothing refers to it afterwards.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time, written as prepared bytes: the load
 * generator's hot path, with no per-request streams, promises, header objects or timers. Plain-TCP sockets read
 * into a reused buffer (`onread`) instead of a stream of new Buffers. A closed or failed socket is replaced on the
 * next request.
 */
export class HttpConnection {
  private socket: Socket | undefined;
  private readonly parser = new ResponseParser((status, keepAlive) => this.complete(status, keepAlive));
  private pending: ((outcome: RequestOutcome) => void) | undefined;

  constructor(
    private readonly target: ConnectionTarget,
    private readonly timeoutMs: number,
  ) {}

  /** Sends `request` (a complete HTTP/1.1 message); `done` is called once with the outcome. */
  send(request: Buffer, isHead: boolean, done: (outcome: RequestOutcome) => void): void {
    const socket = this.socket ?? this.open();
    this.pending = done;
    this.parser.bodyless = isHead;
    socket.write(request);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const { host, port, tls } = this.target;
    const socket: Socket = tls
      ? connectTls({ host, port, servername: host })
      : connectTcp({
          host,
          port,
          onread: { buffer: readBuffer, callback: (nread): boolean => this.read(socket, readBuffer, nread) },
        });
    if (tls) socket.on('data', (chunk: Buffer) => this.read(socket, chunk, chunk.length));
    socket.setNoDelay(true);
    // An inactivity timeout, set once: every byte written or read re-arms it, so it fires only when no byte
    // moved for timeoutMs. It fails the request out, if any; an idle keep-alive socket stays open.
    socket.setTimeout(this.timeoutMs);
    socket.on('timeout', () => this.socket === socket && this.pending && this.fail(true));
    // A response whose end is the end of the connection (no length, not chunked) completes here.
    socket.on('end', () => this.socket === socket && this.parser.finish());
    socket.on('close', () => this.socket === socket && this.fail(false));
    socket.on('error', () => {
      // Reported by 'close', which follows.
    });
    this.parser.reset();
    this.socket = socket;
    return socket;
  }

  /** Parses the bytes read; returns true (`onread` pauses the socket on false). */
  private read(socket: Socket, data: Buffer, end: number): boolean {
    let at = 0;
    while (at < end && this.socket === socket) {
      at = this.parser.execute(data, at, end);
      if (at < 0) this.fail(false);
    }
    return true;
  }

  private complete(status: number, keepAlive: boolean): void {
    const done = this.pending;
    this.pending = undefined;
    if (!keepAlive) this.close();
    done?.({ status, timedOut: false });
  }

  private fail(timedOut: boolean): void {
    const done = this.pending;
    this.pending = undefined;
    this.close();
    done?.({ status: 0, timedOut });
  }
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const COLON = 58;
const SEMICOLON = 59;
/** What a line did to the response being read. */
type LineResult = typeof GO_ON | typeof ENDED | typeof MALFORMED;
const GO_ON = 0;
const ENDED = 1;
const MALFORMED = -1;
/** Longest line (status, header, chunk size) held across reads; a longer one is refused as malformed. */
const MAX_LINE_BYTES = 64 * 1024;

// What the parser reads next.
const STATUS_LINE = 0;
const HEADER_LINE = 1;
const SIZED_BODY = 2;
const CHUNK_SIZE_LINE = 3;
const CHUNK_DATA = 4;
const CHUNK_DATA_END = 5;
const TRAILER_LINE = 6;
const BODY_UNTIL_CLOSE = 7;

/**
 * Reads HTTP/1.x responses from a byte stream, keeping only what a load generator needs: the status, whether the
 * connection stays open, and where each response ends (content-length, chunked, or the end of the connection).
 * Header lines are compared as bytes in place; nothing is copied except a line split across reads. 1xx responses
 * (100 Continue, 103 Early Hints) are read past, as they precede the real one.
 */
export class ResponseParser {
  /** Set before each request: a response to HEAD has no body, whatever its headers say. */
  bodyless = false;
  private phase = STATUS_LINE;
  /** The start of a line that a read cut short. */
  private partialLine: Buffer | undefined;
  private status = 0;
  private keepAlive = true;
  private chunked = false;
  private contentLength = -1;
  private remaining = 0;

  constructor(private readonly onResponse: (status: number, keepAlive: boolean) => void) {}

  /** Forgets any response in progress (a new connection). */
  reset(): void {
    this.phase = STATUS_LINE;
    this.partialLine = undefined;
  }

  /**
   * Reads `data[start, end)`; returns where it stopped: at `end`, or just after a response ended (reported
   * through `onResponse` first), or -1 when the bytes are not an HTTP/1.x response.
   */
  execute(data: Buffer, start: number, end: number): number {
    let at = start;
    while (at < end) {
      const phase = this.phase;
      if (phase === SIZED_BODY || phase === CHUNK_DATA) {
        const taken = Math.min(this.remaining, end - at);
        this.remaining -= taken;
        at += taken;
        if (this.remaining > 0) continue;
        if (phase === SIZED_BODY) return this.responseEnded(at);
        this.phase = CHUNK_DATA_END;
        continue;
      }
      if (phase === BODY_UNTIL_CLOSE) return end;
      let lineFeed = data.indexOf(LF, at);
      // `data` may be a reused buffer: bytes past `end` are from an earlier read.
      if (lineFeed >= end) lineFeed = -1;
      let line = data;
      let lineStart = at;
      let lineEnd = lineFeed;
      if (lineFeed < 0 || this.partialLine !== undefined) {
        const piece = data.subarray(at, lineFeed < 0 ? end : lineFeed);
        const joined =
          this.partialLine === undefined ? Buffer.from(piece) : Buffer.concat([this.partialLine, piece]);
        if (joined.length > MAX_LINE_BYTES) return -1;
        if (lineFeed < 0) {
          this.partialLine = joined;
          return end;
        }
        this.partialLine = undefined;
        line = joined;
        lineStart = 0;
        lineEnd = joined.length;
      }
      at = lineFeed + 1;
      if (lineEnd > lineStart && line[lineEnd - 1] === CR) lineEnd--;
      const result = this.line(line, lineStart, lineEnd);
      if (result === MALFORMED) return -1;
      if (result === ENDED) return this.responseEnded(at);
    }
    return at;
  }

  /**
   * The connection ended: ends a response that runs to the end of the connection; returns whether one did.
   * Anything else cut short is left for the caller to fail.
   */
  finish(): boolean {
    if (this.phase !== BODY_UNTIL_CLOSE) return false;
    this.responseEnded(0);
    return true;
  }

  private responseEnded(at: number): number {
    this.phase = STATUS_LINE;
    this.onResponse(this.status, this.keepAlive);
    return at;
  }

  /** One line without its CR LF. */
  private line(data: Buffer, start: number, end: number): LineResult {
    switch (this.phase) {
      case STATUS_LINE:
        return start === end ? GO_ON : this.statusLine(data, start, end);
      case HEADER_LINE:
        return start === end ? this.headEnded() : this.headerLine(data, start, end);
      case CHUNK_SIZE_LINE:
        return this.chunkSizeLine(data, start, end);
      case CHUNK_DATA_END:
        this.phase = CHUNK_SIZE_LINE;
        return start === end ? GO_ON : MALFORMED;
      default:
        // Trailer fields are read past; the empty line ends the response.
        return start === end ? ENDED : GO_ON;
    }
  }

  /** `HTTP/1.1 200 OK`: the version decides the default persistence, the three digits the status. */
  private statusLine(data: Buffer, start: number, end: number): LineResult {
    if (
      end - start < 12 ||
      !sameLetters(data, start, 'http/1.') ||
      data[start + 8] !== SPACE ||
      (end - start > 12 && data[start + 12] !== SPACE)
    )
      return MALFORMED;
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const digit = (data[i] ?? 0) - 48;
      if (digit < 0 || digit > 9) return MALFORMED;
      status = status * 10 + digit;
    }
    this.status = status;
    this.keepAlive = data[start + 7] !== 48; // HTTP/1.0 closes unless it says keep-alive
    this.chunked = false;
    this.contentLength = -1;
    this.phase = HEADER_LINE;
    return GO_ON;
  }

  private headerLine(data: Buffer, start: number, end: number): LineResult {
    const colon = data.indexOf(COLON, start);
    if (colon < 0 || colon >= end) return MALFORMED;
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && (data[valueStart] === SPACE || data[valueStart] === TAB)) valueStart++;
    while (valueEnd > valueStart && (data[valueEnd - 1] === SPACE || data[valueEnd - 1] === TAB)) valueEnd--;
    switch (colon - start) {
      case 14:
        if (!sameLetters(data, start, 'content-length')) return GO_ON;
        return this.contentLengthValue(data, valueStart, valueEnd);
      case 17:
        // chunked is the last coding when present (RFC 9112 §6.3).
        if (sameLetters(data, start, 'transfer-encoding'))
          this.chunked = valueEnd - valueStart >= 7 && sameLetters(data, valueEnd - 7, 'chunked');
        return GO_ON;
      case 10:
        if (sameLetters(data, start, 'connection')) this.connectionValue(data, valueStart, valueEnd);
        return GO_ON;
      default:
        return GO_ON;
    }
  }

  private contentLengthValue(data: Buffer, start: number, end: number): LineResult {
    if (start === end || end - start > 15) return MALFORMED;
    let length = 0;
    for (let i = start; i < end; i++) {
      const digit = (data[i] ?? 0) - 48;
      if (digit < 0 || digit > 9) return MALFORMED;
      length = length * 10 + digit;
    }
    if (this.contentLength >= 0 && this.contentLength !== length) return MALFORMED;
    this.contentLength = length;
    return GO_ON;
  }

  private connectionValue(data: Buffer, start: number, end: number): void {
    if (end - start === 10 && sameLetters(data, start, 'keep-alive')) {
      this.keepAlive = true;
      return;
    }
    const options = data.toString('latin1', start, end).toLowerCase().split(',');
    for (const option of options) {
      const name = option.trim();
      if (name === 'close') this.keepAlive = false;
      else if (name === 'keep-alive') this.keepAlive = true;
    }
  }

  /** The empty line after the headers: where the body ends follows from the status and the headers. */
  private headEnded(): LineResult {
    const status = this.status;
    if (status < 100) return MALFORMED;
    if (status < 200) {
      this.phase = STATUS_LINE;
      return GO_ON;
    }
    if (this.bodyless || status === 204 || status === 304) return ENDED;
    if (this.chunked) {
      this.phase = CHUNK_SIZE_LINE;
    } else if (this.contentLength > 0) {
      this.remaining = this.contentLength;
      this.phase = SIZED_BODY;
    } else if (this.contentLength === 0) {
      return ENDED;
    } else {
      this.keepAlive = false;
      this.phase = BODY_UNTIL_CLOSE;
    }
    return GO_ON;
  }

  /** `1a2b;name=value`: the size in hex, any extension ignored; 0 starts the trailer. */
  private chunkSizeLine(data: Buffer, start: number, end: number): LineResult {
    let size = 0;
    let i = start;
    for (; i < end && i - start < 13; i++) {
      const byte = data[i] ?? 0;
      const digit =
        byte >= 48 && byte <= 57
          ? byte - 48
          : (byte | 0x20) >= 97 && (byte | 0x20) <= 102
            ? (byte | 0x20) - 87
            : -1;
      if (digit < 0) break;
      size = size * 16 + digit;
    }
    if (i === start) return MALFORMED;
    if (i < end && data[i] !== SEMICOLON && data[i] !== SPACE && data[i] !== TAB) return MALFORMED;
    this.remaining = size;
    this.phase = size === 0 ? TRAILER_LINE : CHUNK_DATA;
    return GO_ON;
  }
}

/** Whether `data` at `start` holds `lowercase`, ignoring ASCII case. */
function sameLetters(data: Buffer, start: number, lowercase: string): boolean {
  for (let i = 0; i < lowercase.length; i++) {
    if (((data[start + i] ?? 0) | 0x20) !== lowercase.charCodeAt(i)) return false;
  }
  return true;
}

/** The bytes of one HTTP/1.1 request; headers and path were validated by the config layer (no CR, LF or spaces). */
export function serializeRequest(
  target: ConnectionTarget,
  request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
  },
): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`];
  const names = new Set(Object.keys(request.headers).map((name) => name.toLowerCase()));
  if (!names.has('host')) lines.push(`host: ${target.host}:${target.port}`);
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined && !names.has('content-length')) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return body === undefined ? head : Buffer.concat([head, body]);
}
