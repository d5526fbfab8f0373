import type { IstioRouterConfig, KubeconfigSource } from '../core/cluster-config.js';
import type { CommentMode, MetricTemplate } from '../core/config.js';
import type { IgnoreRules } from './compare-values.js';
import type { ObjectiveEntry } from './objective-parser.js';
import type { RequestEntry } from './traffic-values.js';

/**
 * What one source (the experiment file, or the inline inputs) says: each value parsed and checked on its own,
 * but not yet merged with the other source, defaulted or checked against other values.
 */
export interface ExperimentSettings extends ClusterSettings, TrafficSettings {
  readonly name?: string;
  readonly namespace?: string;
  readonly service?: string;
  readonly darkRevision?: string;
  readonly liveRevision?: string;
  readonly prometheusUrl?: string;
  readonly prometheusToken?: string;
  readonly prometheusUsername?: string;
  readonly prometheusPassword?: string;
  readonly prometheusHeaders?: Readonly<Record<string, string>>;
  readonly prometheusAuth?: 'sigv4';
  readonly awsRegion?: string;
  readonly awsRoleArn?: string;
  /** PEM text. */
  readonly prometheusCa?: string;
  readonly prometheusInsecureSkipTlsVerify?: boolean;
  readonly prometheusTimeoutMs?: number;
  readonly prometheusAttempts?: number;
  readonly metricTemplate?: MetricTemplate;
  readonly queries?: Readonly<Record<string, string>>;
  /** Parsed only once both sources are merged: which custom metrics exist depends on the merged queries. */
  readonly objectives?: readonly ObjectiveEntry[];
  readonly intervalMs?: number;
  readonly iterations?: number;
  readonly minRequests?: number;
  readonly confidence?: number | 'off';
  readonly failFast?: boolean;
  readonly failFastAfter?: number;
  readonly earlyPass?: boolean;
  readonly minIterations?: number;
  readonly minDurationMs?: number;
  readonly onInconclusive?: 'fail' | 'pass';
  readonly comment?: CommentMode;
  readonly githubToken?: string;
  readonly commentAuthor?: string;
}

/** The `cluster:` section: how the dark version is deployed and mirrored to. Absent entirely = evaluate only. */
export interface ClusterSettings {
  /** Only from the input: a credential does not belong in a committed file. */
  readonly kubeconfig?: KubeconfigSource;
  readonly clusterTarget?: 'knative' | 'deployment' | 'existing';
  readonly image?: string;
  readonly revisionSuffix?: string;
  readonly deployment?: string;
  readonly container?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly router?: 'istio' | 'gateway-api' | 'none';
  readonly istioMode?: IstioRouterConfig['mode'];
  readonly virtualService?: string;
  readonly httpRoute?: string;
  readonly mirrorPercent?: number;
  readonly readyTimeoutMs?: number;
  readonly leaseTimeoutMs?: number;
  readonly promote?: boolean;
}

/** `load-service`: `[namespace/]name[:port]`. */
export interface ServiceAddress {
  readonly namespace?: string;
  readonly name: string;
  readonly port?: number | string;
}

/** Shadowgate's own traffic (traffic-fields.ts): metrics source, local versions, mirroring proxy, load. */
export interface TrafficSettings {
  readonly metrics?: 'prometheus' | 'builtin';
  readonly liveUrl?: string;
  readonly liveCommand?: string;
  readonly darkUrl?: string;
  readonly darkCommand?: string;
  readonly liveReplicaUrl?: string;
  readonly liveReplicaCommand?: string;
  readonly compare?: boolean;
  readonly compareIgnore?: IgnoreRules;
  readonly compareMaxBodyBytes?: number;
  readonly compareBodies?: 'bytes' | 'text';
  readonly compareSecrets?: readonly string[];
  readonly startTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** The share is `mirrorPercent`, one setting with the cluster's mirror. */
  readonly mirror?: 'builtin' | 'none';
  readonly mirrorUnsafeMethods?: boolean;
  readonly mirrorPort?: number;
  readonly loadRate?: number;
  readonly loadConcurrency?: number;
  readonly loadUrl?: string;
  readonly loadTarget?: 'url' | 'port-forward' | 'job';
  readonly loadService?: ServiceAddress;
  readonly loadJobImage?: string;
  readonly loadMethod?: string;
  readonly loadHeaders?: Readonly<Record<string, string>>;
  readonly loadBody?: string;
  readonly loadRequests?: readonly RequestEntry[];
  readonly loadReplay?: string;
  readonly loadReplayFormat?: 'auto' | 'har' | 'access-log' | 'jsonl';
  readonly loadReplayUnsafeMethods?: boolean;
}

/** Settings with the notes made while reading them (e.g. how Iter8 fields were mapped). */
export interface SettingsSource {
  readonly settings: ExperimentSettings;
  readonly notes: readonly string[];
}
