import type { KubernetesObject } from '@kubernetes/client-node';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { CHANGED_BY_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL } from '../../src/cluster/ownership.js';

/** Every kind Shadowgate creates or changes, the Lease included. */
const KINDS = [
  ['coordination.k8s.io/v1', 'Lease'],
  ['serving.knative.dev/v1', 'Service'],
  ['serving.knative.dev/v1', 'Revision'],
  ['networking.istio.io/v1', 'VirtualService'],
  ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['batch/v1', 'Job'],
  ['v1', 'Pod'],
] as const;

/**
 * What a run left in `namespace`: objects with Shadowgate's managed-by label, and objects still carrying its
 * changed-by annotation, as `Kind/name`. Empty after a complete cleanup.
 */
export async function leftovers(api: KubeApi, namespace: string): Promise<string[]> {
  const found: string[] = [];
  for (const [apiVersion, kind] of KINDS) {
    let objects: KubernetesObject[];
    try {
      objects = await api.list(apiVersion, kind, namespace);
    } catch (error) {
      if (error instanceof ClusterError && error.reason === 'NotServed') continue;
      throw error;
    }
    for (const object of objects) {
      const { labels = {}, annotations = {}, name } = object.metadata ?? {};
      if (labels[MANAGED_BY_LABEL] === MANAGED_BY || annotations[CHANGED_BY_ANNOTATION] !== undefined) {
        found.push(`${kind}/${name}`);
      }
    }
  }
  return found;
}

/**
 * Every object of the kinds Shadowgate touches in `namespace`, by `Kind/name`, metadata included
 * (resourceVersion too): equal snapshots mean nothing was created, changed or deleted, not even rewritten.
 */
export async function namespaceSnapshot(
  api: KubeApi,
  namespace: string,
): Promise<Record<string, KubernetesObject>> {
  const snapshot: Record<string, KubernetesObject> = {};
  for (const [apiVersion, kind] of KINDS) {
    try {
      for (const object of await api.list(apiVersion, kind, namespace)) {
        snapshot[`${apiVersion}/${kind}/${object.metadata?.name}`] = object;
      }
    } catch (error) {
      if (!(error instanceof ClusterError && error.reason === 'NotServed')) throw error;
    }
  }
  return snapshot;
}
