import type { RequestTemplate } from './traffic-config.js';

/**
 * What the cluster side of a run does: which dark version to deploy and how, how traffic is mirrored to it,
 * and what happens after the verdict. Pure data, validated by src/config.
 */

/** Where the kubeconfig comes from. */
export type KubeconfigSource =
  /** The `kubeconfig` input, already decoded when given as base64. Its credentials are masked. */
  | { readonly kind: 'inline'; readonly yaml: string }
  /** The runner's own context: KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  | { readonly kind: 'runner' };

/** Settings every deploying target shares. */
interface CandidateSettings {
  /** Candidate image, e.g. `ghcr.io/acme/checkout@sha256:…` or `…:pr-42`. */
  readonly image: string;
  /** The dark version is named `<service>-<suffix>` (Knative revision) or `<deployment>-<suffix>`. Default: short sha. */
  readonly suffix: string;
  /** Container to change when the pod has several; default the first. */
  readonly container?: string;
  /** Environment variables set on the candidate container, in addition to (or overriding) the live ones. */
  readonly env: Readonly<Record<string, string>>;
}

/** Knative Service: the dark revision is a new template of the same Service, pinned to 0% with a tag. */
export interface KnativeTargetConfig extends CandidateSettings {
  readonly kind: 'knative';
  /** Annotations for the dark revision's template (min-scale 1 is always added). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Traffic tag of the dark revision. Default `dark`. */
  readonly tag: string;
}

/** Plain Deployment + Service: the dark copy is derived from the live Deployment. */
export interface DeploymentTargetConfig extends CandidateSettings {
  readonly kind: 'deployment';
  /** The live Deployment. Default: the service name. */
  readonly deployment: string;
}

/** The dark version is already running; only routing (and evaluation) happen. */
export interface ExistingTargetConfig {
  readonly kind: 'existing';
}

export type TargetConfig = KnativeTargetConfig | DeploymentTargetConfig | ExistingTargetConfig;

/**
 * Istio. `patch`: the route to the live destination in the user's VirtualService gets the mirror (previous spec
 * remembered). `dedicated`: Shadowgate creates its own VirtualService for the service host. `tutorial`: the
 * Iter8 tutorial's two-VirtualService layout, which needs the `-shadow` host suffix (off by default in Istio 1.28+).
 */
export interface IstioRouterConfig {
  readonly kind: 'istio';
  readonly mode: 'patch' | 'dedicated' | 'tutorial';
  /** The VirtualService to patch (`patch` mode). Default: the one whose route sends traffic to the service. */
  readonly virtualService?: string;
  /** Share of live requests copied to the dark version, 0 < percent ≤ 100. */
  readonly percent: number;
}

/** Gateway API: a RequestMirror filter with `percent` on the HTTPRoute rule that serves the live backend. */
export interface GatewayRouterConfig {
  readonly kind: 'gateway-api';
  readonly httpRoute: string;
  readonly percent: number;
}

/** The user already mirrors traffic to the dark version. */
export interface NoRouterConfig {
  readonly kind: 'none';
}

export type RouterConfig = IstioRouterConfig | GatewayRouterConfig | NoRouterConfig;

/**
 * The load sent from inside the cluster (`load-target: job`), like the Iter8 tutorial's curl Job but at a
 * constant arrival rate: one curl per request, started on schedule whatever the earlier ones are doing. Runs
 * until cleanup deletes it; its requests are measured by Prometheus, not by Shadowgate.
 */
export interface LoadJobConfig {
  /** An image with `sh` and `curl`. */
  readonly image: string;
  /** Base URL inside the cluster, e.g. `http://checkout.shop.svc.cluster.local`. */
  readonly url: string;
  readonly ratePerSecond: number;
  readonly requests: readonly RequestTemplate[];
  readonly requestTimeoutMs: number;
  /** How long the evaluation runs; the Job ends itself some minutes after, should cleanup never come. */
  readonly runSeconds: number;
}

export interface ClusterConfig {
  readonly kubeconfig: KubeconfigSource;
  readonly target: TargetConfig;
  readonly router: RouterConfig;
  /** How long the dark version may take to become ready before the run fails. */
  readonly readyTimeoutMs: number;
  /** How long to wait for another run's Lease on the same target before failing. */
  readonly leaseWaitMs: number;
  /** On pass, make the dark version live (Knative: 100% traffic; Deployment: live takes the image). */
  readonly promote: boolean;
  readonly loadJob?: LoadJobConfig;
}
