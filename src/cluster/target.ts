import type { ChangeJournal } from './change-journal.js';

/** A Kubernetes Service port in the target's namespace. */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
}

/** The dark and live versions once the dark one is ready: what routers mirror to and metrics are read for. */
export interface DarkVersion {
  /** The names the metric templates and reports use: Knative revision names, or Deployment names. */
  readonly darkRevision: string;
  readonly liveRevision: string;
  /** The Service that reaches only the dark version (for Knative, the revision's private Service). */
  readonly darkService: ServicePort;
  /** The Service that serves live traffic. */
  readonly liveService: ServicePort;
  /**
   * Headers a route to liveService must set. Knative's activator, in the path of a revision scaled to zero,
   * finds the revision by `Knative-Serving-Namespace` and `Knative-Serving-Revision`.
   */
  readonly liveRequestHeaders?: Readonly<Record<string, string>>;
}

/** Puts the dark version into the cluster (Knative revision, Deployment copy, or nothing for `existing`). */
export interface Target {
  readonly description: string;
  /**
   * Creates or changes what the dark version needs, recording each change in the journal before making it, and
   * resolves once the dark version is ready. Rejects with the workload's own reason and message when it fails
   * (image pull, crash loop) or is not ready within the configured timeout.
   */
  deploy(journal: ChangeJournal, signal?: AbortSignal): Promise<DarkVersion>;
  /** Makes the dark version live and adjusts the journal so cleanup keeps it. Returns what was promoted, for the report. */
  promote(dark: DarkVersion, journal: ChangeJournal): Promise<string>;
}

/** Sends a share of live traffic to the dark version as well (Istio, Gateway API, or nothing). */
export interface Router {
  readonly description: string;
  mirror(dark: DarkVersion, journal: ChangeJournal): Promise<void>;
}
