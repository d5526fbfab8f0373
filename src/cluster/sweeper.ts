import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterContext } from './cluster-context.js';
import { ClusterError } from './cluster-error.js';
import { waitUntilKnativeLeft } from './knative-resources.js';
import type { ObjectRef } from './kube-api.js';
import { updateWithRetry } from './kube-client.js';
import {
  describeRef,
  previousFromAnnotation,
  refOf,
  restorePrevious,
  withoutChangeMarks,
} from './object-change.js';
import {
  CHANGED_GENERATION_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  RUN_LABEL,
  TARGET_LABEL,
} from './ownership.js';

/** A kind Shadowgate may create or change. */
export interface SweptKind {
  readonly apiVersion: string;
  readonly kind: string;
}

export const KNATIVE_SERVICE: SweptKind = { apiVersion: 'serving.knative.dev/v1', kind: 'Service' };

/** What a sweep did. */
export interface SweepSummary {
  readonly deleted: readonly string[];
  readonly restored: readonly string[];
}

/**
 * Finds what earlier runs on the same target left behind (their runner died before the post step) and undoes it:
 * objects they created are deleted, objects they changed are put back from the previous state written on them.
 * Call it only while holding the target's Lease, so every other run's leftovers belong to a run that no longer
 * holds it.
 */
export async function sweepLeftovers(
  ctx: Pick<ClusterContext, 'api' | 'log' | 'namespace' | 'service' | 'runId'>,
  kinds: readonly SweptKind[],
): Promise<SweepSummary> {
  const { api, log, namespace, service, runId } = ctx;
  const deleted: string[] = [];
  const restored: string[] = [];
  const selector = `${TARGET_LABEL}=${service},${RUN_LABEL}!=${runId}`;
  for (const { apiVersion, kind } of kinds) {
    let leftovers: KubernetesObject[];
    try {
      leftovers = await api.list(apiVersion, kind, namespace, selector);
    } catch (error) {
      // A kind the cluster does not serve has no leftovers.
      if (error instanceof ClusterError && error.reason === 'NotServed') continue;
      throw error;
    }
    for (const object of leftovers) {
      const ref = refOf(object, namespace);
      const run = object.metadata?.labels?.[RUN_LABEL];
      if (object.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) {
        if (await api.delete(ref)) deleted.push(describeRef(ref));
        log(`Swept ${describeRef(ref)}, left behind by run "${run}"`);
        continue;
      }
      const previous = previousFromAnnotation(object);
      if (!previous) continue;
      const changedGeneration = object.metadata?.annotations?.[CHANGED_GENERATION_ANNOTATION];
      if (changedGeneration !== undefined && changedGeneration !== String(object.metadata?.generation)) {
        await updateWithRetry(api, ref, withoutChangeMarks);
        log(
          `Left ${describeRef(ref)} as it is: run "${run}" had changed it, but it was changed again since ` +
            '(generation ' +
            `${changedGeneration} → ${object.metadata?.generation}); only Shadowgate's labels and annotations were removed`,
        );
        continue;
      }
      await restorePrevious(api, ref, previous);
      restored.push(describeRef(ref));
      log(`Restored ${describeRef(ref)}, which run "${run}" had changed and not put back`);
      if (apiVersion === KNATIVE_SERVICE.apiVersion && kind === KNATIVE_SERVICE.kind) {
        const revision = orphanedDarkRevision(object, previous, namespace);
        // Not before Knative has left it: its Configuration controller would create it again (as in undoChanges).
        if (revision) await waitUntilKnativeLeft(api, ref, [revision.name]);
        if (revision && (await api.delete(revision))) deleted.push(describeRef(revision));
      }
    }
  }
  return { deleted, restored };
}

interface KnativeServiceShape extends KubernetesObject {
  spec?: { template?: { metadata?: { name?: string } }; traffic?: { revisionName?: string }[] };
}

/**
 * The dark revision a dead run's template named. Knative made it, so no label marks it; once the Service is put
 * back it serves nothing, and the run's own cleanup would have deleted it.
 */
function orphanedDarkRevision(
  changed: KnativeServiceShape,
  previous: KnativeServiceShape,
  namespace: string,
): ObjectRef | undefined {
  const dark = changed.spec?.template?.metadata?.name;
  if (!dark || dark === previous.spec?.template?.metadata?.name) return undefined;
  if (previous.spec?.traffic?.some((target) => target.revisionName === dark)) return undefined;
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', namespace, name: dark };
}
