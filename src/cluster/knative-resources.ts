import { setTimeout as delay } from 'node:timers/promises';
import type { KubernetesObject, V1Container } from '@kubernetes/client-node';
import type { KubeApi, ObjectRef } from './kube-api.js';

/**
 * The parts of Knative Serving's objects Shadowgate reads and writes (knative/serving pkg/apis/serving/v1).
 * Everything else passes through untouched.
 */
export const KNATIVE_API_VERSION = 'serving.knative.dev/v1';

export interface TrafficTarget {
  revisionName?: string;
  configurationName?: string;
  latestRevision?: boolean;
  percent?: number;
  tag?: string;
  url?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** Knative allows an unnamed container when there is only one. */
export type KnativeContainer = Omit<V1Container, 'name'> & { name?: string };

export interface RevisionTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: KnativeContainer[] } & Record<string, unknown>;
}

export interface KnativeService extends KubernetesObject {
  spec?: { template?: RevisionTemplate; traffic?: TrafficTarget[] } & Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    latestCreatedRevisionName?: string;
    latestReadyRevisionName?: string;
    traffic?: TrafficTarget[];
    conditions?: Condition[];
    url?: string;
  };
}

export interface Revision extends KubernetesObject {
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

export function knativeServiceRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: KNATIVE_API_VERSION, kind: 'Service', namespace, name };
}

export function revisionRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: KNATIVE_API_VERSION, kind: 'Revision', namespace, name };
}

export function condition(
  object: { status?: { conditions?: Condition[] } } | undefined,
  type: string,
): Condition | undefined {
  return object?.status?.conditions?.find((entry) => entry.type === type);
}

/** The label Knative puts on a revision's Deployment, pods and Services. */
export const REVISION_LABEL = 'serving.knative.dev/revision';

/**
 * Labels of the revision's private Kubernetes Service, which reaches its pods directly (not the activator).
 * Found by label because Knative shortens `<revision>-private` with a hash when it would exceed 63 characters.
 */
export function privateServiceSelector(revision: string): string {
  return `${REVISION_LABEL}=${revision},networking.internal.knative.dev/serviceType=Private`;
}

/** The headers Knative's activator needs to find a revision. */
export function activatorHeaders(namespace: string, revision: string): Record<string, string> {
  return { 'Knative-Serving-Namespace': namespace, 'Knative-Serving-Revision': revision };
}

/**
 * What Knative's controllers have not yet caught up with in a Service's spec, or undefined once they have. The
 * observed generation alone does not say: when the template names its revision, Knative's Service reconciler
 * stops before the Route until the Configuration has observed the change, yet marks the generation observed, so
 * latestCreatedRevisionName and status.traffic still describe the old spec; ConfigurationsReady or RoutesReady
 * then say OutOfDate (knative/serving pkg/reconciler/service/service.go).
 */
export function knativeLag(service: KnativeService): string | undefined {
  const name = service.metadata?.name ?? '';
  const generation = service.metadata?.generation ?? 0;
  const observed = service.status?.observedGeneration;
  if ((observed ?? 0) < generation) {
    return `Knative has not yet observed generation ${generation} of Service "${name}" (observed: ${observed ?? 'none'})`;
  }
  const behind = (
    [
      ['ConfigurationsReady', 'Configuration'],
      ['RoutesReady', 'Route'],
    ] as const
  ).flatMap(([type, what]) => (condition(service, type)?.reason === 'OutOfDate' ? [what] : []));
  if (behind.length === 0) return undefined;
  return `Knative's ${behind.join(' and ')} of Service "${name}" ${behind.length > 1 ? 'have' : 'has'} not yet caught up with generation ${generation}`;
}

/**
 * After a Knative Service's spec is put back: waits until Knative has carried it to its Configuration and no
 * longer names one of `darkRevisions` as the latest created. Deleting the dark revision before that lets the
 * Configuration controller, still on the dark template, create it again (seen with Knative 1.15's controller: the
 * deleted revision came back, with nothing left to delete it). Returns false when `timeoutMs` passed first; at once
 * true when nothing reconciles the Service (no status) or it is gone.
 */
export async function waitUntilKnativeLeft(
  api: KubeApi,
  ref: ObjectRef,
  darkRevisions: readonly string[],
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const service = await api.read<KnativeService>(ref);
    if (!service || service.status?.observedGeneration === undefined) return true;
    const latest = service.status?.latestCreatedRevisionName ?? '';
    if (knativeLag(service) === undefined && !darkRevisions.includes(latest)) return true;
    if (Date.now() >= deadline) return false;
    await delay(options.pollMs ?? 250);
  }
}
