import { describe, expect, it } from 'vitest';
import { SavedJournal, undoChanges } from '../../../src/cluster/journal.js';
import type { KubeApi, ObjectRef } from '../../../src/cluster/kube-api.js';
import { snapshotOf, withoutChangeMarks } from '../../../src/cluster/object-change.js';

const ref = (name: string): ObjectRef => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  namespace: 'shop',
  name,
});
const header = { runId: '42-1', namespace: 'shop', service: 'checkout' };

describe('SavedJournal', () => {
  it('saves the whole state after every record and forget', () => {
    const saved: string[] = [];
    const journal = new SavedJournal(header, (state) => saved.push(state));
    journal.setLease({ name: 'shadowgate-checkout' });
    journal.record({ action: 'created', ref: ref('a') });
    journal.record({ action: 'changed', ref: ref('b'), previous: { kind: 'VirtualService' } });
    journal.forget(ref('a'));
    expect(saved).toHaveLength(4);
    expect(JSON.parse(saved[3] ?? '')).toEqual({
      version: 1,
      ...header,
      lease: { name: 'shadowgate-checkout' },
      changes: [{ action: 'changed', ref: ref('b'), previous: { kind: 'VirtualService' } }],
    });
  });

  it('records a created object once, and replaces the previous state of a changed one in place', () => {
    const journal = new SavedJournal(header, () => {});
    journal.record({ action: 'changed', ref: ref('b'), previous: { kind: 'first' } });
    journal.record({ action: 'created', ref: ref('a') });
    journal.record({ action: 'created', ref: ref('a') });
    journal.record({ action: 'changed', ref: ref('b'), previous: { kind: 'fresh' } });
    expect(journal.changes).toEqual([
      { action: 'changed', ref: ref('b'), previous: { kind: 'fresh' } },
      { action: 'created', ref: ref('a') },
    ]);
  });

  it('comes back from its saved state, and refuses anything else', () => {
    const journal = new SavedJournal(header, () => {});
    journal.setLease({ name: 'shadowgate-checkout' });
    journal.record({ action: 'created', ref: ref('a') });
    const restored = SavedJournal.fromState(journal.serialize());
    expect(restored.serialize()).toBe(journal.serialize());
    expect(restored.run).toEqual({ ...header, lease: { name: 'shadowgate-checkout' } });
    expect(() => SavedJournal.fromState('{"version":7}')).toThrow('not a Shadowgate cluster state');
  });
});

describe('snapshotOf', () => {
  it('drops status and the metadata the server sets, keeping what a user wrote', () => {
    expect(
      snapshotOf({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'checkout',
          namespace: 'shop',
          labels: { app: 'checkout' },
          annotations: { note: 'x' },
          ownerReferences: [],
          uid: 'u',
          resourceVersion: '7',
          generation: 2,
          creationTimestamp: new Date(0),
          managedFields: [],
        },
        spec: { ports: [] },
        status: { loadBalancer: {} },
      } as never),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'checkout',
        namespace: 'shop',
        labels: { app: 'checkout' },
        annotations: { note: 'x' },
        ownerReferences: [],
      },
      spec: { ports: [] },
    });
  });

  it("withoutChangeMarks removes only Shadowgate's labels and annotations", () => {
    expect(
      withoutChangeMarks({
        metadata: {
          labels: { app: 'a', 'shadowgate.dev/target': 'checkout', 'shadowgate.dev/run': '1' },
          annotations: {
            keep: 'y',
            'shadowgate.dev/changed-by-run': '1',
            'shadowgate.dev/previous': '{}',
            'shadowgate.dev/changed-generation': '3',
          },
        },
      }).metadata,
    ).toEqual({ labels: { app: 'a' }, annotations: { keep: 'y' } });
  });
});

describe('undoChanges of a Knative dark launch', () => {
  // Found on the real cluster with Knative 1.15: the dark revision, deleted right after the Service was put back,
  // was created again by the Configuration controller, which was still on the dark template.
  it("deletes the dark revision only once Knative has moved the restored Service's Configuration off it", async () => {
    const service: ObjectRef = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      namespace: 'shop',
      name: 'checkout',
    };
    const revision: ObjectRef = { ...service, kind: 'Revision', name: 'checkout-dark' };
    const events: string[] = [];
    let reads = 0;
    let generation = 2;
    const api = {
      async read(ref: ObjectRef) {
        if (ref.kind !== 'Service') return { metadata: { name: ref.name } };
        reads++;
        // Knative catches up with the restored generation three reads after the update.
        const caughtUp = events.includes('replaced') && reads >= 5;
        return {
          apiVersion: service.apiVersion,
          kind: 'Service',
          metadata: { name: 'checkout', generation, resourceVersion: String(reads) },
          status: {
            observedGeneration: caughtUp ? generation : generation - 1,
            latestCreatedRevisionName: caughtUp ? 'checkout-v1' : 'checkout-dark',
          },
        };
      },
      async replace(object: unknown) {
        generation++;
        events.push('replaced');
        return object;
      },
      async delete(ref: ObjectRef) {
        events.push(`deleted ${ref.kind} with Knative ${reads >= 5 ? 'caught up' : 'behind'}`);
        return true;
      },
    } as unknown as KubeApi;
    const journal = new SavedJournal(header, () => {});
    journal.record({ action: 'created', ref: revision });
    journal.record({
      action: 'changed',
      ref: service,
      previous: { kind: 'Service', metadata: { name: 'checkout' } },
    });

    const summary = await undoChanges(api, journal, () => {}, { pollMs: 1 });

    expect(events).toEqual(['replaced', 'deleted Revision with Knative caught up']);
    expect(summary.failures).toEqual([]);
  });
});
