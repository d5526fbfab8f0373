import type { ClusterConfig } from './cluster-config.js';
import type { EvaluationPlan } from './model.js';
import type { TrafficConfig } from './traffic-config.js';

/** Built-in PromQL template families; `custom` takes the user's own PromQL per metric. */
export type MetricTemplate = 'istio' | 'knative' | 'knative-legacy' | 'custom';

export interface PrometheusAuth {
  readonly bearerToken?: string;
  readonly basic?: { readonly username: string; readonly password: string };
  /** Extra request headers, e.g. `X-Scope-OrgID` for Mimir/Cortex. */
  readonly headers: Readonly<Record<string, string>>;
  /** AWS Signature V4 on every request (Amazon Managed Service for Prometheus), with the runner's AWS credentials. */
  readonly sigv4?: PrometheusSigV4;
}

export interface PrometheusSigV4 {
  readonly region: string;
  /** A role to assume with the runner's credentials before signing. */
  readonly roleArn?: string;
}

export interface PrometheusTls {
  /** PEM bundle (file contents, not a path) to trust in addition to the system roots. */
  readonly caBundle?: string;
  readonly insecureSkipVerify: boolean;
}

export interface PrometheusConfig {
  /** Base URL, without `/api/v1`. */
  readonly url: string;
  readonly auth: PrometheusAuth;
  readonly tls: PrometheusTls;
  readonly template: MetricTemplate;
  /** For `custom` (and overrides of built-in templates): metric id → PromQL with `$variables`. */
  readonly queries: Readonly<Record<string, string>>;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Total attempts per query on network errors, 5xx and timeouts (1 = no retry). */
  readonly attempts: number;
}

export type CommentMode = 'always' | 'on-failure' | 'never';

export interface ReportingConfig {
  readonly comment: CommentMode;
  /** `pass` lets an inconclusive run pass the job (the verdict itself stays inconclusive). */
  readonly onInconclusive: 'fail' | 'pass';
  readonly githubToken?: string;
  /** Login whose marked comment is updated; default: the token's user, or github-actions[bot]. */
  readonly commentAuthor?: string;
}

/** A complete, validated experiment: what `main.ts` and `cli.ts` run. */
export interface ExperimentConfig {
  readonly plan: EvaluationPlan;
  /** `prometheus` reads `prometheus`; `builtin` reads what Shadowgate's mirroring proxy measured. */
  readonly metrics: 'prometheus' | 'builtin';
  /** Present exactly when `metrics` is `prometheus`. */
  readonly prometheus?: PrometheusConfig;
  /** Shadowgate's own traffic: local versions, mirroring proxy, load generator. */
  readonly traffic?: TrafficConfig;
  readonly reporting: ReportingConfig;
  /**
   * Deploying and mirroring to the dark version; absent when the run only evaluates one already receiving
   * traffic. With a deploying target, `plan.target.liveRevision` is completed from the cluster at deploy time.
   */
  readonly cluster?: ClusterConfig;
  /** Human-readable notes about how the input was interpreted (e.g. Iter8 fields mapped), for the log. */
  readonly notes: readonly string[];
}
