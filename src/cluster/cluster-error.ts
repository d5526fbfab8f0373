/**
 * A cluster operation that failed, with a message fit for the user: it names the verb, the resource and the
 * namespace, and gives the API server's reason, e.g. `cannot patch virtualservices.networking.istio.io
 * "checkout" in namespace "shop": forbidden (…)`. It never carries the client's raw exception text, which
 * embeds request headers.
 */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';

  constructor(
    message: string,
    /** The HTTP status the API server answered with; undefined when it was not reached or did not answer. */
    readonly status?: number,
    /** The API server's reason (`Forbidden`, `Conflict`, …), or `NotServed` when it does not serve the kind. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** True for a 409 from the API server: a stale resourceVersion on update, or AlreadyExists on create. */
export function isConflict(error: unknown): boolean {
  return error instanceof ClusterError && error.status === 409;
}
