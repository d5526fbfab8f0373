import type { Clock } from '../core/clock.js';
import type { KubeApi } from './kube-api.js';

/** What every target and router works with: the API, the service under test, the run, time and the log. */
export interface ClusterContext {
  readonly api: KubeApi;
  readonly namespace: string;
  /** The service under test (Knative Service or Kubernetes Service name). */
  readonly service: string;
  /** Labels every created object with it (see ownership.ts). */
  readonly runId: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** How long the dark version may take to become ready. */
  readonly readyTimeoutMs: number;
  /** How often readiness and Lease waits look again. Default DEFAULT_POLL_INTERVAL_MS; tests make it small. */
  readonly pollIntervalMs?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
