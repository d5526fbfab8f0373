/**
 * Shadowgate's own traffic: local live and dark versions, the mirroring proxy between them, and the load
 * generator. Pure data, validated by src/config.
 */

/** A version reached at `url`; with `command`, Shadowgate starts it (and stops it after the run). */
export interface LocalTargetConfig {
  /** Base URL. Given with a command, where the command listens; without, a free port is passed as $PORT. */
  readonly url?: string;
  /** Shell command, e.g. `node server.js` or `docker run --rm -p 8081:8080 shop/checkout:pr-42`. */
  readonly command?: string;
}

/** One kind of request the load generator sends, chosen in proportion to its weight. */
export interface RequestTemplate {
  readonly method: string;
  /** Path and query, starting with `/`, appended to the target's base URL. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly weight: number;
}

/**
 * A Service reached through the Kubernetes API (pods/portforward to one of its ready pods), for a runner that
 * cannot reach the cluster's ingress. Point it at the ingress gateway's Service to have the mesh mirror the load.
 */
export interface PortForwardTarget {
  readonly namespace: string;
  readonly service: string;
  /** The Service port, by number or name; default its first port. */
  readonly port?: number | string;
}

/** The open-model load generator: a constant arrival rate, whatever the responses' latency. */
export interface LoadConfig {
  /** Where requests go; default the mirroring proxy. Not set with `portForward`, whose local end it becomes. */
  readonly url?: string;
  readonly portForward?: PortForwardTarget;
  readonly ratePerSecond: number;
  /** Most requests in flight at once; beyond it requests wait, and their wait counts in their latency. */
  readonly concurrency: number;
  readonly requests: readonly RequestTemplate[];
}

export type MirrorConfig =
  | {
      readonly kind: 'builtin';
      /** Share of live requests copied to dark, 0 < percent ≤ 100. */
      readonly percent: number;
      /** Mirror POST, PUT, PATCH and DELETE too (off by default: they may have side effects). */
      readonly unsafeMethods: boolean;
      /** Port the proxy listens on at 127.0.0.1; 0 picks a free one. */
      readonly port: number;
    }
  | { readonly kind: 'none' };

export interface TrafficConfig {
  readonly live?: LocalTargetConfig;
  readonly dark?: LocalTargetConfig;
  readonly mirror: MirrorConfig;
  readonly load?: LoadConfig;
  /** How long a started command may take to answer HTTP. */
  readonly startTimeoutMs: number;
  /** Per request, for the load generator and the proxy's upstream requests; a timeout counts as an error. */
  readonly requestTimeoutMs: number;
}
