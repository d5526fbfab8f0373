import * as core from '@actions/core';
import { CLUSTER_STATE, LOCAL_PROCESSES_STATE } from './action-state.js';
import { cleanupFromState } from './cluster/dark-launch.js';
import { createKubeApi } from './cluster/kube-client.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from './cluster/ownership.js';
import { parseKubeconfig } from './config/cluster-values.js';
import type { KubeconfigSource } from './core/cluster-config.js';
import { inputSecrets, maskOnce } from './secrets.js';
import { parseSavedProcesses, stopSavedProcesses } from './traffic/local-process.js';

/**
 * The post step (`post-if: always()`): when the main step was cancelled or killed before its cleanup finished,
 * stop the local versions it started and undo what the saved change journal still lists. It only warns; it
 * never fails the job.
 */
export async function post(): Promise<void> {
  const processes = core.getState(LOCAL_PROCESSES_STATE);
  const cluster = core.getState(CLUSTER_STATE);
  if (processes === '' && cluster === '') {
    core.info('Shadowgate post: nothing to clean up.');
    return;
  }
  if (processes !== '') await stopLocalVersions(processes);
  if (cluster !== '') await cleanUpCluster(cluster);
}

async function stopLocalVersions(state: string): Promise<void> {
  core.info('Shadowgate post: the main step did not stop its local versions; stopping what is left.');
  try {
    for (const { line, gone } of await stopSavedProcesses(parseSavedProcesses(state))) {
      if (gone) core.info(`Shadowgate post: ${line}`);
      else core.warning(`Shadowgate post: ${line}`);
    }
  } catch (error) {
    core.warning(`Shadowgate post: could not stop the local versions: ${messageOf(error)}`);
  }
}

async function cleanUpCluster(state: string): Promise<void> {
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
      `Shadowgate post: cleanup failed: ${messageOf(error)}. What is left carries the label ` +
        `${MANAGED_BY_LABEL}=${MANAGED_BY}; the next run on this service sweeps it.`,
    );
  }
}

/** The same cluster as the main step: the kubeconfig input, which the runner passes to the post step too. */
function kubeconfigSource(): KubeconfigSource {
  const input = core.getInput('kubeconfig');
  return input.trim() === '' ? { kind: 'runner' } : parseKubeconfig(input, 'kubeconfig');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
