/**
 * An AbortController the first SIGINT or SIGTERM aborts, so the deploy wait or the evaluation stops and cleanup
 * runs. The runner cancels a step with SIGINT, then SIGTERM, then kills it; later signals are only noted, so they
 * do not cut the cleanup short.
 */
export function abortOnTermination(warn: (line: string) => void): AbortController {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) warn(`received ${signal} again; still cleaning up`);
      else controller.abort(new Error(`received ${signal}`));
    });
  }
  return controller;
}
