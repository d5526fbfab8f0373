import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { type ClusterContext, DEFAULT_POLL_INTERVAL_MS } from './cluster-context.js';
import { ClusterError } from './cluster-error.js';
import type { ObjectRef } from './kube-api.js';
import type { RolloutState } from './rollout-status.js';

export interface WorkloadWait<T extends KubernetesObject> {
  readonly ref: ObjectRef;
  /** Selects the workload's pods, whose container states explain a wait. */
  readonly labelSelector: string;
  /** `The dark Deployment "checkout-pr42"`, the subject of the error messages. */
  readonly subject: string;
  /** What it failed to do, e.g. `roll out`. */
  readonly failedTo: string;
  /** `Deployment "checkout-pr42"`, for the progress lines. */
  readonly shortName: string;
  readonly assess: (workload: T, pods: readonly V1Pod[]) => RolloutState;
}

/**
 * Resolves once the workload is ready; rejects with its pods' own diagnosis when it fails, or at ready-timeout
 * with what is still missing. Logs each new reason for waiting once.
 */
export async function waitForWorkload<T extends KubernetesObject>(
  ctx: ClusterContext,
  wait: WorkloadWait<T>,
  signal?: AbortSignal,
): Promise<void> {
  const { api, clock, namespace, readyTimeoutMs, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS } = ctx;
  const where = `${wait.subject} in namespace "${namespace}"`;
  const deadline = clock.now() + readyTimeoutMs;
  let reported = '';
  for (;;) {
    signal?.throwIfAborted();
    const workload = await api.read<T>(wait.ref);
    if (!workload)
      throw new ClusterError(`${where} was deleted while Shadowgate waited for it to ${wait.failedTo}`);
    const pods = await api.list<V1Pod>('v1', 'Pod', namespace, wait.labelSelector);
    const state = wait.assess(workload, pods);
    if (state.phase === 'ready') return;
    if (state.phase === 'failed')
      throw new ClusterError(`${where} failed to ${wait.failedTo}: ${state.reason}`);
    if (state.detail !== reported) {
      ctx.log(`Waiting for ${wait.shortName}: ${state.detail}`);
      reported = state.detail;
    }
    if (clock.now() >= deadline) {
      throw new ClusterError(
        `${where} was not ready within ${Math.round(readyTimeoutMs / 1000)} s (ready-timeout): ${state.detail}`,
      );
    }
    await clock.sleepUntil(Math.min(deadline, clock.now() + pollIntervalMs), signal);
  }
}
