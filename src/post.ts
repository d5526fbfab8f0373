import * as core from '@actions/core';

/**
 * The post step (`post-if: always()`). In evaluate-only mode the main step creates nothing that outlives
 * it, so there is nothing to restore; it never fails the job.
 */
export async function post(): Promise<void> {
  core.info('Shadowgate post: evaluate-only run, nothing to clean up.');
}
