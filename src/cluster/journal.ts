import type { ChangeJournal, ClusterChange } from './change-journal.js';
import { KNATIVE_API_VERSION, waitUntilKnativeLeft } from './knative-resources.js';
import type { KubeApi, ObjectRef } from './kube-api.js';
import { describeRef, restorePrevious } from './object-change.js';

const STATE_VERSION = 1;

/** Who made the changes; saved with them so the post step knows the run, the target and its Lease. */
export interface JournalHeader {
  readonly runId: string;
  readonly namespace: string;
  readonly service: string;
  /** The Lease this run holds, to release after cleanup. */
  readonly lease?: { readonly name: string };
}

interface JournalState extends JournalHeader {
  readonly version: number;
  readonly changes: readonly ClusterChange[];
}

/** What cleanup did, for the log and the report. */
export interface CleanupSummary {
  /** Objects deleted, e.g. `VirtualService "checkout-shadowgate"`. */
  readonly deleted: readonly string[];
  /** Objects put back as they were before the run. */
  readonly restored: readonly string[];
  /** What could not be undone, with the reason. The saved state still lists it, so the post step tries again. */
  readonly failures: readonly string[];
  /** True when this run's Lease was released (or was no longer held by it). */
  readonly leaseReleased: boolean;
}

function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return (
    a.apiVersion === b.apiVersion && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name
  );
}

/**
 * The change journal, saved as a JSON state string through `save` after every change, so the post step (or a
 * later cleanupFromState) can undo what a killed main step did.
 */
export class SavedJournal implements ChangeJournal {
  private entries: ClusterChange[];
  private header: JournalHeader;

  constructor(
    header: JournalHeader,
    private readonly save: (state: string) => void,
    changes: readonly ClusterChange[] = [],
  ) {
    this.header = header;
    this.entries = [...changes];
  }

  /** The journal a saved state describes; throws when the text is not one. */
  static fromState(state: string, save: (state: string) => void = () => {}): SavedJournal {
    const parsed = JSON.parse(state) as Partial<JournalState>;
    if (
      parsed.version !== STATE_VERSION ||
      !parsed.runId ||
      !parsed.namespace ||
      !Array.isArray(parsed.changes)
    ) {
      throw new Error(`not a Shadowgate cluster state (version ${STATE_VERSION})`);
    }
    const { runId, namespace, service = '', lease } = parsed;
    return new SavedJournal({ runId, namespace, service, ...(lease ? { lease } : {}) }, save, parsed.changes);
  }

  get changes(): readonly ClusterChange[] {
    return this.entries;
  }

  get run(): JournalHeader {
    return this.header;
  }

  /**
   * A created object is recorded once. A changed object keeps its place; a later record of the same object
   * replaces its previous state (the fresh read after a conflict is the truer one).
   */
  record(change: ClusterChange): void {
    const index = this.entries.findIndex((entry) => sameRef(entry.ref, change.ref));
    const existing = this.entries[index];
    if (existing?.action === 'created') return;
    if (existing) this.entries[index] = change;
    else this.entries.push(change);
    this.persist();
  }

  forget(ref: ObjectRef): void {
    this.entries = this.entries.filter((entry) => !sameRef(entry.ref, ref));
    this.persist();
  }

  setLease(lease: { name: string } | undefined): void {
    const { lease: _old, ...rest } = this.header;
    this.header = lease ? { ...rest, lease } : rest;
    this.persist();
  }

  serialize(): string {
    const state: JournalState = { version: STATE_VERSION, ...this.header, changes: this.entries };
    return JSON.stringify(state);
  }

  private persist(): void {
    this.save(this.serialize());
  }
}

/**
 * Undoes the journal's changes, newest first: deletes what was created and puts changed objects back exactly as
 * they were (labels, annotations and spec; replace with the current resourceVersion). Each undone change leaves
 * the journal at once. Keeps going past failures and reports them; running it again is harmless.
 */
export async function undoChanges(
  api: KubeApi,
  journal: ChangeJournal,
  log: (line: string) => void,
  knativeWait?: { timeoutMs?: number; pollMs?: number },
): Promise<Omit<CleanupSummary, 'leaseReleased'>> {
  const deleted: string[] = [];
  const restored: string[] = [];
  const failures: string[] = [];
  for (const change of [...journal.changes].reverse()) {
    const what = describeRef(change.ref);
    try {
      if (change.action === 'created') {
        if (await api.delete(change.ref)) {
          deleted.push(what);
          log(`Deleted ${what}`);
        }
      } else if (await api.read(change.ref)) {
        await restorePrevious(api, change.ref, change.previous);
        restored.push(what);
        log(`Restored ${what} to its state before the run`);
        if (change.ref.apiVersion === KNATIVE_API_VERSION && change.ref.kind === 'Service') {
          const dark = journal.changes
            .filter((entry) => entry.action === 'created' && entry.ref.kind === 'Revision')
            .map((entry) => entry.ref.name);
          if (dark.length > 0 && !(await waitUntilKnativeLeft(api, change.ref, dark, knativeWait))) {
            log(`Knative has not yet moved ${what} off ${dark.join(', ')}; deleting it anyway`);
          }
        }
      } else {
        log(`${what} no longer exists; nothing to restore`);
      }
      journal.forget(change.ref);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { deleted, restored, failures };
}
