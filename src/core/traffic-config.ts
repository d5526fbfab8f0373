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

/** Recorded traffic to send instead of the weighted templates. */
export interface ReplayConfig {
  /** The file, as given (relative to the working directory). */
  readonly path: string;
  /** `auto` tells HAR, JSON lines and access logs apart by their content. */
  readonly format: 'auto' | 'har' | 'access-log' | 'jsonl';
  /** Replay POST, PUT, PATCH, DELETE and other methods besides GET and HEAD. */
  readonly unsafeMethods: boolean;
}

/**
 * The open-model load generator: requests are due at fixed times whatever the responses' latency, at a constant
 * rate or, for a replay without a rate, at the pace the file recorded.
 */
export interface LoadConfig {
  /** Where requests go; default the mirroring proxy. Not set with `portForward`, whose local end it becomes. */
  readonly url?: string;
  readonly portForward?: PortForwardTarget;
  /** Absent only for a replay at its recorded pace. */
  readonly ratePerSecond?: number;
  /** Most requests in flight at once; beyond it requests wait, and their wait counts in their latency. */
  readonly concurrency: number;
  /** The weighted templates; unused with `replay`. */
  readonly requests: readonly RequestTemplate[];
  readonly replay?: ReplayConfig;
}

/**
 * One step of a JSON path rule (RFC 9535 syntax, the subset that names places rather than filters):
 * `.name` or `['name']`, `[3]`, `*` (any key or index), and `..` (any number of steps, then the next one).
 */
export type JsonPathStep =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'descendants' };

/** How the builtin proxy compares dark's (and the live replica's) answers with live's. */
export interface CompareConfig {
  /** JSON paths whose differences are ignored, with everything below them. */
  readonly ignorePaths: readonly (readonly JsonPathStep[])[];
  /** Response headers never compared, lower-case: the defaults and the user's. */
  readonly ignoreHeaders: readonly string[];
  /** Largest body kept per side (after decompression); a larger one makes the request "not compared". */
  readonly maxBodyBytes: number;
  /** How bodies that are not JSON are compared: byte for byte, or as text with whitespace normalised. */
  readonly bodies: 'bytes' | 'text';
  /**
   * Name patterns (`*` matches any run of characters, case-insensitive) of headers, query parameters and JSON
   * fields whose values reports never show: the defaults and the user's.
   */
  readonly secretNames: readonly string[];
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
      /** Compare dark's answers with live's; absent = only statuses and latencies are measured. */
      readonly compare?: CompareConfig;
    }
  | { readonly kind: 'none' };

export interface TrafficConfig {
  readonly live?: LocalTargetConfig;
  readonly dark?: LocalTargetConfig;
  /**
   * A second copy of live, sent the same mirrored requests: differences between live and it are noise, which
   * the comparison learns per field (as Diffy does). Only with a comparing builtin mirror.
   */
  readonly liveReplica?: LocalTargetConfig;
  readonly mirror: MirrorConfig;
  readonly load?: LoadConfig;
  /** How long a started command may take to answer HTTP. */
  readonly startTimeoutMs: number;
  /** Per request, for the load generator and the proxy's upstream requests; a timeout counts as an error. */
  readonly requestTimeoutMs: number;
}
