import type { V1ContainerStatus, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';

/** Where a Deployment's rollout stands, from its status and its pods, as `kubectl rollout status` judges it. */
export type RolloutState =
  | { readonly phase: 'ready' }
  /** `detail` says what is still missing, for the timeout message. */
  | { readonly phase: 'progressing'; readonly detail: string }
  /** `reason` is the workload's own diagnosis: condition messages and container waiting reasons. */
  | { readonly phase: 'failed'; readonly reason: string };

/**
 * Container waiting reasons the kubelet keeps retrying but that a fresh candidate does not recover from within a
 * gate's timeout: a wrong image, a crashing binary, a missing ConfigMap or Secret.
 */
const FATAL_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export function assessRollout(deployment: V1Deployment, pods: readonly V1Pod[]): RolloutState {
  const status = deployment.status ?? {};
  const conditions = status.conditions ?? [];
  const failures: string[] = [];
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure) failures.push(`ReplicaFailure (${replicaFailure.reason}): ${replicaFailure.message}`);
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    failures.push(`ProgressDeadlineExceeded: ${progressing.message}`);
  }
  const { fatal, hints } = podProblems(pods);
  failures.push(...fatal);
  if (failures.length > 0) return { phase: 'failed', reason: failures.join('; ') };

  const generation = deployment.metadata?.generation ?? 0;
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  let missing: string | undefined;
  if ((status.observedGeneration ?? 0) < generation) {
    missing = `the Deployment controller has not yet observed generation ${generation}`;
  } else if (updated < desired) {
    missing = `${updated} of ${desired} replicas updated`;
  } else if (replicas > updated) {
    missing = `${replicas - updated} old replicas pending termination`;
  } else if (available < updated) {
    missing = `${available} of ${updated} updated replicas available`;
  }
  if (missing === undefined) return { phase: 'ready' };
  return { phase: 'progressing', detail: [missing, ...hints].join('; ') };
}

/**
 * Where a Job that should keep running stands: ready once one pod is ready (status.ready), failed on its Failed
 * or Complete condition (it was meant to run until deleted) or a container that cannot start.
 */
export function assessJob(job: V1Job, pods: readonly V1Pod[]): RolloutState {
  const ended = job.status?.conditions?.find(
    (c) => (c.type === 'Failed' || c.type === 'Complete') && c.status === 'True',
  );
  if (ended) {
    return {
      phase: 'failed',
      reason: `${ended.type}${ended.reason ? ` (${ended.reason})` : ''}: ${ended.message ?? ''}`.trimEnd(),
    };
  }
  const { fatal, hints } = podProblems(pods);
  if (fatal.length > 0) return { phase: 'failed', reason: fatal.join('; ') };
  if ((job.status?.ready ?? 0) >= 1) return { phase: 'ready' };
  return { phase: 'progressing', detail: ['no pod ready yet', ...hints].join('; ') };
}

/**
 * What the pods' containers show: `fatal`, the waiting reasons a fresh candidate does not recover from within a
 * gate's timeout (each with its pod, container and last exit); `hints`, every other waiting reason, pods that
 * cannot be scheduled, and containers that run without passing their readiness probe (which have no reason of
 * their own to show). Pods being deleted are left out.
 */
export function podProblems(pods: readonly V1Pod[]): { fatal: string[]; hints: string[] } {
  const livePods = pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  const containerProblems = livePods.flatMap(waitingContainers);
  return {
    fatal: containerProblems
      .filter((problem) => FATAL_WAITING_REASONS.has(problem.reason))
      .map((problem) => problem.text),
    hints: [
      ...livePods.flatMap(unscheduled),
      ...containerProblems
        .filter((problem) => !FATAL_WAITING_REASONS.has(problem.reason))
        .map((problem) => problem.text),
      ...livePods.flatMap(runningNotReady),
    ],
  };
}

interface ContainerProblem {
  readonly reason: string;
  readonly text: string;
}

function waitingContainers(pod: V1Pod): ContainerProblem[] {
  const statuses: V1ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  return statuses.flatMap((container) => {
    const waiting = container.state?.waiting;
    if (!waiting?.reason) return [];
    const lastExit = container.lastState?.terminated;
    const exit = lastExit
      ? ` (last exit code ${lastExit.exitCode}${lastExit.reason ? `, ${lastExit.reason}` : ''}${lastExit.message ? `: ${lastExit.message}` : ''})`
      : '';
    const message = waiting.message ? `: ${waiting.message}` : '';
    return [
      {
        reason: waiting.reason,
        text: `pod ${pod.metadata?.name} container ${container.name}: ${waiting.reason}${message}${exit}`,
      },
    ];
  });
}

function runningNotReady(pod: V1Pod): string[] {
  return (pod.status?.containerStatuses ?? [])
    .filter((container) => container.state?.running && !container.ready)
    .map(
      (container) =>
        `pod ${pod.metadata?.name} container ${container.name}: running, not ready (its readiness probe has not passed)`,
    );
}

function unscheduled(pod: V1Pod): string[] {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return scheduled?.status === 'False'
    ? [
        `pod ${pod.metadata?.name}: ${scheduled.reason ?? 'not scheduled'}: ${scheduled.message ?? ''}`.trimEnd(),
      ]
    : [];
}
