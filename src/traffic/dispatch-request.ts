import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, errors } from 'undici';

/** How a request ended: its status, or 0 when no complete response came (`timedOut` tells a timeout apart). */
export interface RequestOutcome {
  readonly status: number;
  readonly timedOut: boolean;
}

/** Where a response goes when it is passed on rather than dropped (the proxy's live path). */
export interface ResponseSink {
  start(status: number, headers: IncomingHttpHeaders): void;
  /** Returns false when the sink is full; reading then pauses until `resume` is called. */
  data(chunk: Buffer, resume: () => void): boolean;
  end(): void;
}

/**
 * Sends one request through undici's lowest-level API (no streams, no promises: the cheapest path per request)
 * and calls `done` exactly once. The body goes to `sink`, or is read and dropped; a body cut short (a reset, fewer
 * bytes than its content-length) ends with status 0, as does a timeout or a connection error.
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  done: (outcome: RequestOutcome) => void,
  sink?: ResponseSink,
): void {
  const handler = new ExchangeHandler(done, sink);
  try {
    dispatcher.dispatch(options, handler);
  } catch (error) {
    handler.onResponseError(undefined, error as Error);
  }
}

class ExchangeHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private finished = false;

  constructor(
    private readonly done: (outcome: RequestOutcome) => void,
    private readonly sink: ResponseSink | undefined,
  ) {}

  onRequestStart(): void {
    // Required by undici; nothing to do before the request goes out.
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.status = statusCode;
    this.sink?.start(statusCode, headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.sink && !this.sink.data(chunk, () => controller.resume())) controller.pause();
  }

  onResponseEnd(): void {
    this.sink?.end();
    this.finish({ status: this.status, timedOut: false });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    const timedOut = error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError;
    this.finish({ status: 0, timedOut });
  }

  private finish(outcome: RequestOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.done(outcome);
  }
}
