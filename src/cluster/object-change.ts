import type { KubernetesObject } from '@kubernetes/client-node';
import type { ChangeJournal } from './change-journal.js';
import type { ClusterContext } from './cluster-context.js';
import { ClusterError } from './cluster-error.js';
import type { KubeApi, ObjectRef } from './kube-api.js';
import { updateWithRetry } from './kube-client.js';
import {
  CHANGED_BY_ANNOTATION,
  CHANGED_GENERATION_ANNOTATION,
  PREVIOUS_ANNOTATION,
  RUN_LABEL,
  TARGET_LABEL,
} from './ownership.js';

/** Metadata the API server owns: putting the object back must not (and cannot) restore it. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
] as const;

/** The object as a user wrote it: without status and server-set metadata. What `previous` holds. */
export function snapshotOf<T extends KubernetesObject>(object: T): T {
  const copy = structuredClone(object) as T & { status?: unknown };
  delete copy.status;
  const metadata: Record<string, unknown> = { ...copy.metadata };
  for (const key of SERVER_METADATA) delete metadata[key];
  return { ...copy, metadata };
}

/** `VirtualService "checkout"`, for log lines and summaries. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} "${ref.name}"`;
}

export function refOf(object: KubernetesObject, namespace: string): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    namespace: object.metadata?.namespace ?? namespace,
    name: object.metadata?.name ?? '',
  };
}

/** The previous object a Shadowgate run wrote into the annotation of an object it changed, if any. */
export function previousFromAnnotation(object: KubernetesObject): KubernetesObject | undefined {
  const text = object.metadata?.annotations?.[PREVIOUS_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as KubernetesObject;
  } catch {
    return undefined;
  }
}

/**
 * Changes a user's object so that it can be put back exactly: before the write, its previous state goes into the
 * journal (saved at once) and, with the run, onto the object itself (labels and annotations, see ownership.ts),
 * so a later run can restore it even when this run's saved state is lost. Retries on conflict with a fresh read.
 * `mutate` gets a copy of the current object and returns the desired one.
 */
export async function changeObject<T extends KubernetesObject>(
  ctx: Pick<ClusterContext, 'api' | 'runId' | 'service'>,
  journal: ChangeJournal,
  ref: ObjectRef,
  mutate: (current: T) => T,
): Promise<T> {
  const written = await updateWithRetry<T>(ctx.api, ref, (current) => {
    const changedBy = current.metadata?.annotations?.[CHANGED_BY_ANNOTATION];
    if (changedBy !== undefined && changedBy !== ctx.runId) {
      const target = current.metadata?.labels?.[TARGET_LABEL];
      throw new ClusterError(
        `cannot change ${describeRef(ref)} in namespace "${ref.namespace}": Shadowgate run "${changedBy}"` +
          `${target ? ` for service "${target}"` : ''} has changed it and not yet restored it. Two dark launches ` +
          'cannot share it at the same time; wait for that run to finish (its next run sweeps what a dead run left).',
      );
    }
    // A second change by this run keeps the first previous state, which the object carries.
    const previous =
      (changedBy === ctx.runId ? previousFromAnnotation(current) : undefined) ?? snapshotOf(current);
    journal.record({ action: 'changed', ref, previous });
    const desired = mutate(current);
    const metadata = desired.metadata ?? {};
    return {
      ...desired,
      metadata: {
        ...metadata,
        labels: { ...metadata.labels, [TARGET_LABEL]: ctx.service, [RUN_LABEL]: ctx.runId },
        annotations: {
          ...metadata.annotations,
          [CHANGED_BY_ANNOTATION]: ctx.runId,
          [PREVIOUS_ANNOTATION]: JSON.stringify(previous),
        },
      },
    };
  });
  // Only the write tells the generation; metadata-only patches do not bump it.
  const generation = written.metadata?.generation;
  if (generation === undefined) return written;
  return ctx.api.mergePatch<T>(ref, {
    metadata: { annotations: { [CHANGED_GENERATION_ANNOTATION]: String(generation) } },
  });
}

/** Puts an object back to `previous` (which has none of Shadowgate's marks). */
export async function restorePrevious(
  api: KubeApi,
  ref: ObjectRef,
  previous: KubernetesObject,
): Promise<void> {
  await updateWithRetry(api, ref, () => structuredClone(previous));
}

/** Removes the marks changeObject left, for a change that is to stay (promotion). */
export function withoutChangeMarks<T extends KubernetesObject>(object: T): T {
  const metadata = { ...object.metadata };
  const labels = { ...metadata.labels };
  const annotations = { ...metadata.annotations };
  delete labels[TARGET_LABEL];
  delete labels[RUN_LABEL];
  delete annotations[CHANGED_BY_ANNOTATION];
  delete annotations[PREVIOUS_ANNOTATION];
  delete annotations[CHANGED_GENERATION_ANNOTATION];
  return { ...object, metadata: { ...metadata, labels, annotations } };
}
