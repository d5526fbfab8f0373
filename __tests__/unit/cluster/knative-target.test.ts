import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ClusterError } from '../../../src/cluster/cluster-error.js';
import type { KnativeService, Revision } from '../../../src/cluster/knative-resources.js';
import { assessDarkRevision, darkRevisionName, pinnedTraffic } from '../../../src/cluster/knative-target.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';

function service(status: KnativeService['status']): KnativeService {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'checkout', generation: 3 },
    status,
  };
}

describe('darkRevisionName', () => {
  it('is <service>-<suffix>', () => {
    expect(darkRevisionName('checkout', 'c0ffee1')).toBe('checkout-c0ffee1');
  });

  it('refuses a name Knative would reject, naming the input', () => {
    expect(() => darkRevisionName('checkout', 'PR_42')).toThrow(ConfigurationError);
    expect(() => darkRevisionName('checkout', 'x'.repeat(60))).toThrow(/at most 63 characters/);
  });
});

describe('pinnedTraffic', () => {
  it('pins what the route serves by revision name and adds the dark revision at 0% with its tag', () => {
    const result = pinnedTraffic(
      service({
        latestReadyRevisionName: 'checkout-00002',
        traffic: [
          { revisionName: 'checkout-00002', latestRevision: true, percent: 100, url: 'http://x' },
          { revisionName: 'checkout-00001', latestRevision: false, tag: 'previous', percent: 0 },
        ],
      }),
      'checkout-c0ffee1',
      'dark',
    );
    expect(result).toEqual({
      live: 'checkout-00002',
      traffic: [
        { revisionName: 'checkout-00002', percent: 100 },
        { revisionName: 'checkout-00001', percent: 0, tag: 'previous' },
        { revisionName: 'checkout-c0ffee1', percent: 0, tag: 'dark' },
      ],
    });
  });

  it('keeps a split as it is; live is the revision with the largest share', () => {
    const { traffic, live } = pinnedTraffic(
      service({
        traffic: [
          { revisionName: 'checkout-00001', percent: 30 },
          { revisionName: 'checkout-00002', percent: 70 },
        ],
      }),
      'checkout-dark',
      'dark',
    );
    expect(live).toBe('checkout-00002');
    expect(traffic.map((target) => target.percent)).toEqual([30, 70, 0]);
  });

  it('falls back to the latest ready revision while the route has no status', () => {
    expect(
      pinnedTraffic(service({ latestReadyRevisionName: 'checkout-00004' }), 'checkout-dark', 'dark'),
    ).toEqual({
      live: 'checkout-00004',
      traffic: [
        { revisionName: 'checkout-00004', percent: 100 },
        { revisionName: 'checkout-dark', percent: 0, tag: 'dark' },
      ],
    });
  });

  it('replaces an earlier 0% entry of the same dark revision', () => {
    const { traffic } = pinnedTraffic(
      service({
        traffic: [
          { revisionName: 'checkout-00001', percent: 100 },
          { revisionName: 'checkout-dark', percent: 0, tag: 'dark' },
        ],
      }),
      'checkout-dark',
      'dark',
    );
    expect(traffic).toHaveLength(2);
  });

  it('fails without a live revision, when the dark one already serves, or when its tag is taken', () => {
    expect(() => pinnedTraffic(service({}), 'checkout-dark', 'dark')).toThrow(
      /has no ready revision serving traffic/,
    );
    expect(() =>
      pinnedTraffic(
        service({ traffic: [{ revisionName: 'checkout-dark', percent: 100 }] }),
        'checkout-dark',
        'dark',
      ),
    ).toThrow('Revision "checkout-dark" of Knative Service "checkout" already serves 100% of its traffic');
    expect(() =>
      pinnedTraffic(
        service({ traffic: [{ revisionName: 'checkout-00001', percent: 100, tag: 'dark' }] }),
        'checkout-dark',
        'dark',
      ),
    ).toThrow(ClusterError);
  });
});

describe('assessDarkRevision', () => {
  const observed = (extra: KnativeService['status'] = {}) =>
    service({ observedGeneration: 3, latestCreatedRevisionName: 'checkout-dark', ...extra });
  const revision = (status: 'True' | 'False' | 'Unknown', reason?: string, message?: string): Revision => ({
    status: { conditions: [{ type: 'Ready', status, reason, message }] },
  });

  it('waits until Knative has observed the generation', () => {
    expect(assessDarkRevision(service({ observedGeneration: 2 }), undefined, 'checkout-dark', 3)).toEqual({
      phase: 'waiting',
      detail: 'Knative has not yet observed generation 3 of the Service (observed: 2)',
    });
  });

  it('waits for the revision to be created, then to be ready', () => {
    expect(
      assessDarkRevision(
        observed({ latestCreatedRevisionName: 'checkout-00001' }),
        undefined,
        'checkout-dark',
        3,
      ),
    ).toMatchObject({
      phase: 'waiting',
      detail: 'revision "checkout-dark" not created yet (latest created: checkout-00001)',
    });
    expect(assessDarkRevision(observed(), revision('Unknown', 'Deploying'), 'checkout-dark', 3)).toEqual({
      phase: 'waiting',
      detail: 'revision "checkout-dark" is not ready yet (Deploying)',
    });
    expect(assessDarkRevision(observed(), revision('True'), 'checkout-dark', 3).phase).toBe('ready');
  });

  // Found on the real cluster: a revision whose pod runs but never gets ready stays Ready=Unknown with no reason
  // or message at all (the stand-in controller had written Deploying), so the readiness timeout said nothing of why.
  // Knative gives the user container's readiness probe to queue-proxy, which is the container that is not ready.
  it('says which container of its pods is not ready while the revision gives no reason', () => {
    const neverServing: V1Pod = {
      metadata: { name: 'checkout-dark-deployment-5d9c-x7k2p' },
      status: {
        containerStatuses: [
          {
            name: 'queue-proxy',
            image: 'q',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: {} },
          },
          { name: 'app', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    expect(assessDarkRevision(observed(), revision('Unknown'), 'checkout-dark', 3, [neverServing])).toEqual({
      phase: 'waiting',
      detail:
        'revision "checkout-dark" is not ready yet; pod checkout-dark-deployment-5d9c-x7k2p container ' +
        'queue-proxy: running, not ready (its readiness probe has not passed)',
    });
  });

  it("fails with the revision's own reason, even before the Service is observed", () => {
    expect(
      assessDarkRevision(
        service({ observedGeneration: 2 }),
        revision('False', 'ImagePullBackOff', 'Back-off pulling image "x"'),
        'checkout-dark',
        3,
      ),
    ).toEqual({ phase: 'failed', reason: 'ImagePullBackOff: Back-off pulling image "x"' });
  });

  // Found on the real cluster: Knative 1.15's controller looks at the pods only when the revision's Deployment
  // changes, so a crash-looping container left the revision Ready=Unknown, without a reason, past the timeout.
  it("fails on its pods' crash loop while Knative still says nothing, with the kubelet's reason", () => {
    const crashing: V1Pod = {
      metadata: { name: 'checkout-dark-deployment-5d9c-x7k2p' },
      status: {
        containerStatuses: [
          {
            name: 'app',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 2,
            state: {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: 'back-off 20s restarting failed container=app',
              },
            },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
          {
            name: 'queue-proxy',
            image: 'q',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: {} },
          },
        ],
      },
    };
    expect(assessDarkRevision(observed(), revision('Unknown'), 'checkout-dark', 3, [crashing])).toEqual({
      phase: 'failed',
      reason:
        'pod checkout-dark-deployment-5d9c-x7k2p container app: CrashLoopBackOff: back-off 20s restarting failed ' +
        'container=app (last exit code 1, Error)',
    });
    // Knative's own verdict comes first; a pod being deleted says nothing.
    expect(
      assessDarkRevision(
        observed(),
        revision('False', 'ExitCode1', 'Container failed with: boom'),
        'checkout-dark',
        3,
        [crashing],
      ),
    ).toEqual({ phase: 'failed', reason: 'ExitCode1: Container failed with: boom' });
    const deleting = { ...crashing, metadata: { ...crashing.metadata, deletionTimestamp: new Date() } };
    expect(assessDarkRevision(observed(), revision('Unknown'), 'checkout-dark', 3, [deleting]).phase).toBe(
      'waiting',
    );
  });

  it("fails on the Configuration's RevisionFailed", () => {
    expect(
      assessDarkRevision(
        observed({
          conditions: [
            {
              type: 'ConfigurationsReady',
              status: 'False',
              reason: 'RevisionFailed',
              message: 'Revision "x" failed',
            },
          ],
        }),
        undefined,
        'checkout-dark',
        3,
      ),
    ).toEqual({ phase: 'failed', reason: 'RevisionFailed: Revision "x" failed' });
  });
});
