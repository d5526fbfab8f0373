import { describe, expect, it } from 'vitest';
import {
  type KnativeService,
  knativeLag,
  waitUntilKnativeLeft,
} from '../../../src/cluster/knative-resources.js';
import type { KubeApi } from '../../../src/cluster/kube-api.js';

function service(generation: number, status: KnativeService['status']): KnativeService {
  return { metadata: { name: 'checkout', generation }, status };
}

/**
 * What Knative 1.15's Service reconciler writes when the template names its revision and the Configuration has not
 * yet observed the change: it stops before the Route, yet marks the generation observed, so status.traffic is
 * still the old Route's (knative/serving pkg/reconciler/service/service.go).
 */
const configurationBehind = service(4, {
  observedGeneration: 4,
  latestCreatedRevisionName: 'checkout-dead',
  traffic: [
    { revisionName: 'checkout-v1', percent: 100 },
    { revisionName: 'checkout-dead', percent: 0, tag: 'dark' },
  ],
  conditions: [
    {
      type: 'ConfigurationsReady',
      status: 'Unknown',
      reason: 'OutOfDate',
      message: 'The Configuration is still working to reflect the latest desired specification.',
    },
    { type: 'RoutesReady', status: 'Unknown', reason: 'IngressNotConfigured' },
  ],
});

describe('knativeLag', () => {
  it('is nothing once the generation is observed and neither the Configuration nor the Route is out of date', () => {
    expect(
      knativeLag(
        service(4, {
          observedGeneration: 4,
          conditions: [
            { type: 'ConfigurationsReady', status: 'True' },
            // Without an ingress the Route is never ready, but it is up to date.
            { type: 'RoutesReady', status: 'Unknown', reason: 'IngressNotConfigured' },
          ],
        }),
      ),
    ).toBeUndefined();
  });

  it('says which generation Knative has not observed yet', () => {
    expect(knativeLag(service(4, { observedGeneration: 3 }))).toBe(
      'Knative has not yet observed generation 4 of Service "checkout" (observed: 3)',
    );
    expect(knativeLag(service(1, undefined))).toBe(
      'Knative has not yet observed generation 1 of Service "checkout" (observed: none)',
    );
  });

  // Found on the real cluster: a run right after a sweep put the Service back read the dead run's dark tag from
  // status.traffic, although observedGeneration matched, and refused to start.
  it('sees a Configuration or a Route still out of date behind an observed generation', () => {
    expect(knativeLag(configurationBehind)).toBe(
      'Knative\'s Configuration of Service "checkout" has not yet caught up with generation 4',
    );
    const routeBehind = service(4, {
      observedGeneration: 4,
      conditions: [
        { type: 'ConfigurationsReady', status: 'True' },
        { type: 'RoutesReady', status: 'Unknown', reason: 'OutOfDate' },
      ],
    });
    expect(knativeLag(routeBehind)).toBe(
      'Knative\'s Route of Service "checkout" has not yet caught up with generation 4',
    );
  });
});

describe('waitUntilKnativeLeft', () => {
  it('waits while the Configuration is out of date, even with the generation observed', async () => {
    const caughtUp = service(4, {
      observedGeneration: 4,
      latestCreatedRevisionName: 'checkout-v1',
      conditions: [{ type: 'ConfigurationsReady', status: 'True' }],
    });
    // The stale latestCreatedRevisionName may name any revision; here it is not the dark one, which is the case
    // where a check of the generation alone returns too early.
    const stale = {
      ...configurationBehind,
      status: { ...configurationBehind.status, latestCreatedRevisionName: 'checkout-v1' },
    };
    const reads = [stale, stale, caughtUp];
    let count = 0;
    const api = { read: async () => reads[Math.min(count++, reads.length - 1)] } as unknown as KubeApi;
    const left = await waitUntilKnativeLeft(
      api,
      { apiVersion: 'serving.knative.dev/v1', kind: 'Service', namespace: 'shop', name: 'checkout' },
      ['checkout-dead'],
      { pollMs: 1 },
    );
    expect(left).toBe(true);
    expect(count).toBe(3);
  });
});
