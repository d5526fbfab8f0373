import type { Router } from './target.js';

/** `router: none`: the user already sends a share of live traffic to the dark version. */
export class NoRouter implements Router {
  readonly description = 'no router (traffic is mirrored outside Shadowgate)';

  async mirror(): Promise<void> {}
}
