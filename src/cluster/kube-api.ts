import type { KubernetesObject } from '@kubernetes/client-node';

/** Which object: enough to address any namespaced kind, CRDs included. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * The Kubernetes operations Shadowgate needs, over any kind (discovery resolves plurals). Every failure rejects
 * with a `ClusterError` naming the verb and the resource, e.g. `cannot patch virtualservices.networking.istio.io
 * "checkout" in namespace "shop": forbidden`. Implemented by kube-client.ts; tests may use the real one against
 * the test environment's API server.
 */
export interface KubeApi {
  /** The object, or undefined when it does not exist. */
  read<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<T[]>;
  create<T extends KubernetesObject>(object: T): Promise<T>;
  /** Full replace; `metadata.resourceVersion` must be set, so a concurrent change gives a 409 conflict. */
  replace<T extends KubernetesObject>(object: T): Promise<T>;
  /** JSON merge patch (RFC 7386), which works for CRDs too. */
  mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: object): Promise<T>;
  /**
   * True when deleted, false when it was already gone. With `resourceVersion`, deletes only that version of the
   * object (a 409 conflict otherwise), e.g. to release a Lease only while it is still ours.
   */
  delete(ref: ObjectRef, options?: { readonly resourceVersion?: string }): Promise<boolean>;
}
