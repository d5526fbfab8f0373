import * as core from '@actions/core';
import { CLUSTER_STATE } from './action-state.js';
import { cleanupFromState } from './cluster/dark-launch.js';
import { createKubeApi } from './cluster/kube-client.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from './cluster/ownership.js';
import { parseKubeconfig } from './config/cluster-values.js';
import type { KubeconfigSource } from './core/cluster-config.js';
import { inputSecrets, maskOnce } from './secrets.js';

/**
 * The post step (`post-if: always()`): when the main step was cancelled or killed before its cleanup finished,
 * undo what the saved change journal still lists. It only warns; it never fails the job.
 */
export async function post(): Promise<void> {
  const state = core.getState(CLUSTER_STATE);
  if (state === '') {
    core.info('Shadowgate post: nothing to clean up.');
    return;
  }
  const mask = maskOnce((secret) => core.setSecret(secret));
  mask(inputSecrets((name) => core.getInput(name)));
  core.info('Shadowgate post: the main step did not finish its cleanup; undoing what it left.');
  try {
    const api = createKubeApi(kubeconfigSource(), (secret) => mask([secret]));
    const summary = await cleanupFromState(state, { api, log: (line) => core.info(line) });
    for (const failure of summary.failures) core.warning(`Shadowgate post: could not undo ${failure}`);
    if (summary.failures.length === 0) {
      core.info(
        `Shadowgate post: cleanup done (${summary.deleted.length} deleted, ${summary.restored.length} restored).`,
      );
    }
  } catch (error) {
    core.warning(
      `Shadowgate post: cleanup failed: ${error instanceof Error ? error.message : String(error)}. What is left ` +
        `carries the label ${MANAGED_BY_LABEL}=${MANAGED_BY}; the next run on this service sweeps it.`,
    );
  }
}

/** The same cluster as the main step: the kubeconfig input, which the runner passes to the post step too. */
function kubeconfigSource(): KubeconfigSource {
  const input = core.getInput('kubeconfig');
  return input.trim() === '' ? { kind: 'runner' } : parseKubeconfig(input, 'kubeconfig');
}
