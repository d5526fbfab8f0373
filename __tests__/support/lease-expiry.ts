// Ages a dead run's Lease as if it had gone unrenewed for its whole duration, so a test of the sweep by the next
// run need not sit out the 30 s. Waiting it out for real is tested once, in hardening/signals-sigkill.test.ts.
import type { V1Lease } from '@kubernetes/client-node';
import type { KubeApi, ObjectRef } from '../../src/cluster/kube-api.js';
import { leaseName, microTime } from '../../src/cluster/lease-lock.js';

export async function expireLease(admin: KubeApi, namespace: string, service: string): Promise<void> {
  const ref: ObjectRef = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    namespace,
    name: leaseName(service),
  };
  const lease = await admin.read<V1Lease>(ref);
  if (!lease?.spec?.holderIdentity) throw new Error(`Lease "${ref.name}" has no holder to expire`);
  const lapsedMs = ((lease.spec.leaseDurationSeconds ?? 0) + 1) * 1000;
  await admin.mergePatch(ref, { spec: { renewTime: microTime(Date.now() - lapsedMs) } });
}
