import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from './kube-api.js';

/** One thing a run did to the cluster, recorded before it is done so that cleanup can undo it. */
export type ClusterChange =
  | { readonly action: 'created'; readonly ref: ObjectRef }
  /** `previous` is the whole object as it was, without `status` and server-set metadata, to be put back exactly. */
  | { readonly action: 'changed'; readonly ref: ObjectRef; readonly previous: KubernetesObject };

/**
 * The record of a run's changes. Each `record` is persisted at once (the action saves it with core.saveState),
 * so the post step can undo everything even when the main step was killed between two changes.
 */
export interface ChangeJournal {
  readonly changes: readonly ClusterChange[];
  record(change: ClusterChange): void;
  /** Drops the changes to `ref`, e.g. when promotion keeps them. */
  forget(ref: ObjectRef): void;
}
