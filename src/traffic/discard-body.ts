/**
 * Reads a response body to its end and drops it. Unlike undici's `body.dump()`, which swallows errors, a body
 * cut short (a reset mid-response, fewer bytes than its content-length) rejects, so it counts as a failure.
 */
export async function discardBody(body: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of body) {
    // Dropped.
  }
}
