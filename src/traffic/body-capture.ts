import type { IncomingHttpHeaders } from 'node:http';
import type { CapturedResponse } from '../compare/response-compare.js';
import type { ResponseSink } from './dispatch-request.js';

/**
 * The bytes of body all captures may hold at once. A live answer is held until dark's comes, so with a slow dark
 * many are held at a time: past this budget a pair is not compared rather than memory growing with dark's delay.
 */
export class CaptureBudget {
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get heldBytes(): number {
    return this.used;
  }

  take(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

/**
 * Keeps one answer's headers and body for the comparison, up to `maxBytes` of body: past the bound (or the shared
 * budget) it lets go of what it held and only counts, so a large body costs no memory and the comparison says
 * "not compared".
 */
export class BodyCapture implements ResponseSink {
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private held = 0;
  private overLimit = false;
  /** The shared budget ran out while this body was read. */
  overBudget = false;

  constructor(
    private readonly maxBytes: number,
    private readonly budget: CaptureBudget,
  ) {}

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
    if (this.overLimit || this.overBudget) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes || !this.budget.take(chunk.length)) {
      if (this.size <= this.maxBytes) this.overBudget = true;
      else this.overLimit = true;
      this.release();
      return;
    }
    this.held += chunk.length;
    // undici hands out views of each socket read, which it does not reuse, so no copy is needed.
    this.chunks.push(chunk);
  }

  /** Lets go of the body: once compared, or when it cannot be. */
  release(): void {
    this.budget.give(this.held);
    this.held = 0;
    this.chunks = [];
  }

  response(status: number): CapturedResponse {
    const body =
      this.overLimit || this.overBudget
        ? undefined
        : this.chunks.length === 1
          ? (this.chunks[0] as Buffer)
          : Buffer.concat(this.chunks, this.size);
    return { status, headers: this.headers, body };
  }
}
