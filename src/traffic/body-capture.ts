import type { IncomingHttpHeaders } from 'node:http';
import type { CapturedResponse } from '../compare/response-compare.js';
import type { ResponseSink } from './dispatch-request.js';

/**
 * Keeps one answer's headers and body for the comparison, up to `maxBytes` of body: past the bound it lets go of
 * what it held and only counts, so a large body costs no memory and the comparison says "not compared".
 */
export class BodyCapture implements ResponseSink {
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private overLimit = false;

  constructor(private readonly maxBytes: number) {}

  start(_status: number, headers: IncomingHttpHeaders): void {
    this.headers = headers;
  }

  data(chunk: Buffer): boolean {
    this.add(chunk);
    return true;
  }

  end(): void {
    // Nothing to flush: the body is read by `response`.
  }

  /** Also fed by the live path, which passes each chunk on to the client as well. */
  add(chunk: Buffer): void {
    if (this.overLimit) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.overLimit = true;
      this.chunks = [];
      return;
    }
    // undici hands out views of each socket read, which it does not reuse, so no copy is needed.
    this.chunks.push(chunk);
  }

  response(status: number): CapturedResponse {
    const body = this.overLimit
      ? undefined
      : this.chunks.length === 1
        ? (this.chunks[0] as Buffer)
        : Buffer.concat(this.chunks, this.size);
    return { status, headers: this.headers, body };
  }
}
