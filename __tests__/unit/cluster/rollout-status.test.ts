import type { V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { assessJob, assessRollout } from '../../../src/cluster/rollout-status.js';

function deployment(status: V1Deployment['status'], generation = 2, replicas = 1): V1Deployment {
  return {
    metadata: { name: 'checkout-abc', generation },
    spec: { replicas, selector: {}, template: {} },
    status,
  };
}

const complete = {
  observedGeneration: 2,
  replicas: 1,
  updatedReplicas: 1,
  readyReplicas: 1,
  availableReplicas: 1,
};

function pod(name: string, status: V1Pod['status'], deleting = false): V1Pod {
  return { metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) }, status };
}

const pullBackOff = pod('checkout-abc-7d9-x1', {
  containerStatuses: [
    {
      name: 'app',
      image: 'ghcr.io/acme/checkout:nope',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: {
        waiting: {
          reason: 'ImagePullBackOff',
          message: 'Back-off pulling image "ghcr.io/acme/checkout:nope"',
        },
      },
    },
  ],
});

describe('assessRollout', () => {
  it('is ready once the new generation is observed and every replica is updated and available', () => {
    expect(assessRollout(deployment(complete), [])).toEqual({ phase: 'ready' });
  });

  it('waits for the controller to observe the generation', () => {
    expect(assessRollout(deployment({ ...complete, observedGeneration: 1 }), [])).toEqual({
      phase: 'progressing',
      detail: 'the Deployment controller has not yet observed generation 2',
    });
    expect(assessRollout(deployment(undefined), [])).toMatchObject({ phase: 'progressing' });
  });

  it.each([
    [{ ...complete, updatedReplicas: 0 }, '0 of 1 replicas updated'],
    [{ ...complete, replicas: 2 }, '1 old replicas pending termination'],
    [{ ...complete, availableReplicas: 0 }, '0 of 1 updated replicas available'],
  ])('says what is missing: %j', (status, detail) => {
    expect(assessRollout(deployment(status), [])).toEqual({ phase: 'progressing', detail });
  });

  it('fails with the pod container waiting reason and message', () => {
    const state = assessRollout(deployment({ ...complete, availableReplicas: 0 }), [pullBackOff]);
    expect(state).toEqual({
      phase: 'failed',
      reason:
        'pod checkout-abc-7d9-x1 container app: ImagePullBackOff: Back-off pulling image "ghcr.io/acme/checkout:nope"',
    });
  });

  it('quotes the last exit of a crash-looping container', () => {
    const crashing = pod('p', {
      initContainerStatuses: [
        {
          name: 'migrate',
          image: 'i',
          imageID: '',
          ready: false,
          restartCount: 4,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container' },
          },
          lastState: { terminated: { exitCode: 3, reason: 'Error', message: 'no DATABASE_URL' } },
        },
      ],
    });
    expect(assessRollout(deployment({}), [crashing])).toEqual({
      phase: 'failed',
      reason:
        'pod p container migrate: CrashLoopBackOff: back-off 1m20s restarting failed container ' +
        '(last exit code 3, Error: no DATABASE_URL)',
    });
  });

  it('fails on ProgressDeadlineExceeded and on ReplicaFailure with their messages', () => {
    const state = assessRollout(
      deployment({
        ...complete,
        availableReplicas: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "checkout-abc-7d9" has timed out progressing.',
          },
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message: 'pods "checkout-abc-7d9-" is forbidden: exceeded quota: compute',
          },
        ],
      }),
      [],
    );
    expect(state).toEqual({
      phase: 'failed',
      reason:
        'ReplicaFailure (FailedCreate): pods "checkout-abc-7d9-" is forbidden: exceeded quota: compute; ' +
        'ProgressDeadlineExceeded: ReplicaSet "checkout-abc-7d9" has timed out progressing.',
    });
  });

  it('does not fail while a container is merely being created, but names it while waiting', () => {
    const creating = pod('p', {
      containerStatuses: [
        {
          name: 'app',
          image: 'i',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        },
      ],
      conditions: [],
    });
    const unschedulable = pod('q', {
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available',
        },
      ],
    });
    expect(
      assessRollout(deployment({ ...complete, availableReplicas: 0 }), [creating, unschedulable]),
    ).toEqual({
      phase: 'progressing',
      detail:
        '0 of 1 updated replicas available; pod q: Unschedulable: 0/3 nodes are available; ' +
        'pod p container app: ContainerCreating',
    });
  });

  // A container that runs and never passes its readiness probe has no waiting reason: without this hint the
  // timeout said only how many replicas were missing.
  it('says which container runs without passing its readiness probe', () => {
    const notReady = pod('checkout-abc-7d9-x2', {
      containerStatuses: [
        { name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { running: {} } },
        { name: 'log', image: 'y', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
      ],
    });
    expect(assessRollout(deployment({ ...complete, availableReplicas: 0 }), [notReady])).toEqual({
      phase: 'progressing',
      detail:
        '0 of 1 updated replicas available; pod checkout-abc-7d9-x2 container app: running, not ready ' +
        '(its readiness probe has not passed)',
    });
  });

  it('ignores pods that are being deleted', () => {
    const deleting = pod('old', pullBackOff.status, true);
    expect(assessRollout(deployment(complete), [deleting])).toEqual({ phase: 'ready' });
  });
});

describe('assessJob', () => {
  const job = (status: V1Job['status']): V1Job => ({
    metadata: { name: 'shadowgate-load-checkout' },
    status,
  });

  it('is ready once a pod is ready', () => {
    expect(assessJob(job({ active: 1, ready: 1 }), [])).toEqual({ phase: 'ready' });
  });

  it('waits while no pod is ready, saying so', () => {
    expect(assessJob(job({ active: 1, ready: 0 }), [])).toEqual({
      phase: 'progressing',
      detail: 'no pod ready yet',
    });
  });

  it('fails on a container that cannot start, with its reason', () => {
    const state = assessJob(job({ active: 1, ready: 0 }), [pullBackOff]);
    expect(state.phase).toBe('failed');
    expect(state.phase === 'failed' && state.reason).toMatch(
      /^pod checkout-abc-7d9-x1 container app: ImagePullBackOff/,
    );
  });

  it.each([
    ['Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
    ['Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'],
  ])('fails when the Job ended (%s), since it should run until deleted', (type, reason, message) => {
    const ended = job({ conditions: [{ type, status: 'True', reason, message }] });
    expect(assessJob(ended, [])).toEqual({ phase: 'failed', reason: `${type} (${reason}): ${message}` });
  });
});
