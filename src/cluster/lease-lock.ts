import type { V1Lease } from '@kubernetes/client-node';
import type { ClusterContext } from './cluster-context.js';
import { ClusterError, isConflict } from './cluster-error.js';
import type { KubeApi, ObjectRef } from './kube-api.js';
import { ownershipLabels } from './ownership.js';

export interface LeaseTiming {
  /** How long the Lease stays ours without renewal; a run that dies holds it at most this long. */
  readonly durationSeconds: number;
  /** How long to wait for another run's Lease before failing (input lease-timeout). */
  readonly waitMs: number;
  /** How often to look again while waiting. */
  readonly pollIntervalMs: number;
}

export const DEFAULT_LEASE_DURATION_SECONDS = 30;

export function leaseName(service: string): string {
  return `shadowgate-${service}`;
}

function leaseRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name };
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** When the holder's claim runs out; a Lease with no holder or renewal is free. */
function expiresAt(lease: V1Lease): number {
  const renewed = Date.parse(String(lease.spec?.renewTime ?? ''));
  if (!lease.spec?.holderIdentity || Number.isNaN(renewed)) return 0;
  return renewed + (lease.spec.leaseDurationSeconds ?? 0) * 1000;
}

/**
 * A coordination.k8s.io/v1 Lease per target (`shadowgate-<service>`), so two runs never mirror to the same
 * service at once. The holder renews it every third of its duration; a holder that stopped renewing (its runner
 * died) loses it when it expires, and the next run takes it over.
 */
export class LeaseLock {
  private readonly renewal = new AbortController();
  private renewing: Promise<void> = Promise.resolve();
  private released = false;

  private constructor(
    private readonly ctx: Pick<ClusterContext, 'api' | 'clock' | 'log' | 'namespace' | 'service' | 'runId'>,
    private readonly timing: LeaseTiming,
    readonly name: string,
  ) {}

  /**
   * Takes the Lease, waiting up to `timing.waitMs` while another live run holds it; then fails with a message
   * naming that run.
   */
  static async acquire(
    ctx: Pick<ClusterContext, 'api' | 'clock' | 'log' | 'namespace' | 'service' | 'runId'>,
    timing: LeaseTiming,
    signal?: AbortSignal,
  ): Promise<LeaseLock> {
    const lock = new LeaseLock(ctx, timing, leaseName(ctx.service));
    await lock.take(signal);
    lock.renewing = lock.renewLoop();
    return lock;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    const { api, clock, namespace, runId } = this.ctx;
    const ref = leaseRef(namespace, this.name);
    const deadline = clock.now() + this.timing.waitMs;
    let waitingFor: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      const current = await api.read<V1Lease>(ref);
      try {
        if (!current) {
          await api.create(this.leaseObject(now, 0));
          return;
        }
        const holder = current.spec?.holderIdentity;
        if (holder === runId || expiresAt(current) <= now) {
          if (holder && holder !== runId)
            this.ctx.log(
              `Taking over the Lease "${this.name}" from run "${holder}", which stopped renewing it`,
            );
          const transitions = (current.spec?.leaseTransitions ?? 0) + (holder === runId ? 0 : 1);
          const taken = this.leaseObject(now, transitions);
          await api.replace({
            ...taken,
            metadata: { ...taken.metadata, resourceVersion: current.metadata?.resourceVersion },
          });
          return;
        }
        if (now >= deadline) throw this.heldError(current, now);
        if (waitingFor !== holder) {
          waitingFor = holder;
          this.ctx.log(
            `Waiting up to ${Math.round((deadline - now) / 100) / 10} s for run "${holder}", which holds the Lease "${this.name}" on service "${this.ctx.service}"`,
          );
        }
      } catch (error) {
        // Another run created or took the Lease between our read and write: look again at once.
        if (isConflict(error)) continue;
        throw error;
      }
      await clock.sleepUntil(Math.min(deadline, clock.now() + this.timing.pollIntervalMs), signal);
    }
  }

  private heldError(lease: V1Lease, now: number): ClusterError {
    const holder = lease.spec?.holderIdentity;
    const seconds = Math.max(0, Math.ceil((expiresAt(lease) - now) / 1000));
    return new ClusterError(
      `Another Shadowgate run, "${holder}", holds the Lease "${this.name}" in namespace "${this.ctx.namespace}" ` +
        `and is still dark-launching service "${this.ctx.service}"; gave up after waiting ` +
        `${this.timing.waitMs / 1000} s (lease-timeout). If that run is dead, its Lease expires within ` +
        `${seconds} s; otherwise let it finish or raise lease-timeout.`,
    );
  }

  private leaseObject(now: number, transitions: number): V1Lease {
    const { namespace, service, runId } = this.ctx;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace, labels: ownershipLabels(service, runId) },
      spec: {
        holderIdentity: runId,
        leaseDurationSeconds: this.timing.durationSeconds,
        // The client's types say Date; the wire format is MicroTime text, which the JSON client sends as given.
        acquireTime: microTime(now) as unknown as Date,
        renewTime: microTime(now) as unknown as Date,
        leaseTransitions: transitions,
      },
    };
  }

  /** Renews every third of the duration until release; a failed renewal is logged and tried again. */
  private async renewLoop(): Promise<void> {
    const { api, clock, log, namespace, runId } = this.ctx;
    const ref = leaseRef(namespace, this.name);
    const signal = this.renewal.signal;
    const everyMs = (this.timing.durationSeconds * 1000) / 3;
    while (!signal.aborted) {
      try {
        await clock.sleepUntil(clock.now() + everyMs, signal);
      } catch {
        return;
      }
      try {
        const current = await api.read<V1Lease>(ref);
        if (current?.spec?.holderIdentity !== runId) {
          log(
            `Lost the Lease "${this.name}": ${current ? `run "${current.spec?.holderIdentity}" holds it now` : 'it was deleted'}`,
          );
          return;
        }
        const spec = { ...current.spec, renewTime: microTime(clock.now()) as unknown as Date };
        await api.replace({ ...current, spec });
      } catch (error) {
        log(
          `Could not renew the Lease "${this.name}": ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Stops renewing and releases the Lease. Safe to call twice. */
  async release(): Promise<boolean> {
    if (this.released) return true;
    this.released = true;
    this.renewal.abort();
    await this.renewing;
    return releaseLease(this.ctx.api, this.ctx.namespace, this.name, this.ctx.runId);
  }
}

/**
 * Deletes the Lease if `runId` still holds it (the deletion is conditional on the version read, so a run that
 * took it over meanwhile keeps it). True when it is no longer ours.
 */
export async function releaseLease(
  api: KubeApi,
  namespace: string,
  name: string,
  runId: string,
): Promise<boolean> {
  const ref = leaseRef(namespace, name);
  const current = await api.read<V1Lease>(ref);
  if (current?.spec?.holderIdentity !== runId) return true;
  try {
    await api.delete(ref, { resourceVersion: current.metadata?.resourceVersion ?? '' });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  return true;
}
