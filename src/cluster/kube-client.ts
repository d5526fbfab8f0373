import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import type { KubeconfigSource } from '../core/cluster-config.js';
import { ClusterError, isConflict } from './cluster-error.js';
import type { KubeApi, ObjectRef } from './kube-api.js';

const FIELD_MANAGER = 'shadowgate';

/**
 * The KubeApi over @kubernetes/client-node's generic object API. Credentials in the kubeconfig are masked through
 * `mask` before any request is made. Throws a ClusterError when the kubeconfig is unusable.
 */
export function createKubeApi(source: KubeconfigSource, mask: (secret: string) => void): KubeApi {
  return createKubeClients(source, mask).api;
}

/** The KubeApi and the loaded kubeconfig it uses, for what the generic API does not cover (port-forward). */
export function createKubeClients(
  source: KubeconfigSource,
  mask: (secret: string) => void,
): { readonly api: KubeApi; readonly kubeConfig: k8s.KubeConfig } {
  const kc = loadKubeConfig(source);
  for (const secret of kubeconfigCredentials(kc)) mask(secret);
  const server = kc.getCurrentCluster()?.server ?? '';
  return { api: new ClientNodeKubeApi(kc.makeApiClient(JsonObjectApi), server), kubeConfig: kc };
}

const UPDATE_ATTEMPTS = 5;

/**
 * Read → mutate → replace, with a fresh read and another try when someone else changed the object in between
 * (409 Conflict), a bounded number of times. `mutate` gets the current object and returns the desired one; the
 * current resourceVersion is carried over, so a concurrent change is never overwritten blindly.
 */
export async function updateWithRetry<T extends k8s.KubernetesObject>(
  api: KubeApi,
  ref: ObjectRef,
  mutate: (current: T) => T,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const current = await api.read<T>(ref);
    if (!current) {
      throw new ClusterError(
        `cannot update ${ref.kind} "${ref.name}" in namespace "${ref.namespace}": it does not exist`,
        404,
        'NotFound',
      );
    }
    const resourceVersion = current.metadata?.resourceVersion;
    const desired = mutate(structuredClone(current));
    try {
      return await api.replace<T>({ ...desired, metadata: { ...desired.metadata, resourceVersion } });
    } catch (error) {
      if (!isConflict(error) || attempt >= UPDATE_ATTEMPTS) throw error;
    }
  }
}

/** The kubeconfig from the input, or from the runner (KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(source: KubeconfigSource): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (source.kind === 'inline') {
    try {
      kc.loadFromString(source.yaml);
    } catch (error) {
      // The parser's message quotes the offending line, which may hold a credential.
      const line = (error as { mark?: { line?: number } }).mark?.line;
      throw new ClusterError(
        `The kubeconfig input is not a valid kubeconfig${line === undefined ? '' : ` (YAML error on line ${line + 1})`}.`,
      );
    }
  } else {
    try {
      kc.loadFromDefault();
    } catch (error) {
      const path = (error as { path?: string }).path;
      throw new ClusterError(
        `Cannot load the runner's kubeconfig${path ? ` from ${path}` : ''}: ${(error as Error).message}`,
      );
    }
    if (isLocalhostFallback(kc)) {
      throw new ClusterError(
        'No kubeconfig found on the runner: KUBECONFIG is not set, ~/.kube/config does not exist and this is not ' +
          'a pod with a service account. Give the kubeconfig input, or set up cluster access in an earlier step ' +
          '(e.g. azure/k8s-set-context, aws eks update-kubeconfig, google-github-actions/get-gke-credentials).',
      );
    }
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ClusterError(
      `The kubeconfig has no usable current context ("${kc.getCurrentContext()}"): set current-context to a context whose cluster is defined.`,
    );
  }
  if (!/^https?:\/\/[^/]/.test(cluster.server) || cluster.server.includes('undefined')) {
    throw new ClusterError(
      `The kubeconfig's cluster "${cluster.name}" has no valid server URL: "${cluster.server}".`,
    );
  }
  return kc;
}

/** client-node's last resort when it finds nothing: an unauthenticated http://localhost:8080. */
function isLocalhostFallback(kc: k8s.KubeConfig): boolean {
  const cluster = kc.getCurrentCluster();
  return (
    kc.getCurrentContext() === 'loaded-context' &&
    cluster?.name === 'cluster' &&
    cluster.server === 'http://localhost:8080' &&
    kc.getCurrentUser()?.name === 'user'
  );
}

const SECRET_KEY = /token|secret|password|key|credential/i;

/** Every credential the kubeconfig holds, so none can reach the log. */
export function kubeconfigCredentials(kc: k8s.KubeConfig): string[] {
  const secrets: string[] = [];
  for (const user of kc.users) {
    secrets.push(user.token ?? '', user.password ?? '', user.certData ?? '', user.keyData ?? '');
    const providerConfig =
      (user.authProvider as { config?: Record<string, unknown> } | undefined)?.config ?? {};
    for (const [key, value] of Object.entries(providerConfig)) {
      if (key === 'tokenFile' && typeof value === 'string' && existsSync(value)) {
        secrets.push(readFileSync(value, 'utf8').trim());
      } else if (SECRET_KEY.test(key) && typeof value === 'string') {
        secrets.push(value);
      }
    }
    const execEnv = (user.exec as { env?: { name?: string; value?: string }[] } | undefined)?.env ?? [];
    for (const { name, value } of execEnv) {
      if (name && SECRET_KEY.test(name) && value) secrets.push(value);
    }
  }
  return secrets.filter((secret) => secret !== '');
}

/**
 * KubernetesObjectApi, whose discovery and authentication we reuse, but with plain JSON both ways: its typed
 * models would drop fields newer than the client (the API server may be newer) from built-in kinds, and turn
 * timestamps into Dates.
 */
class JsonObjectApi extends k8s.KubernetesObjectApi {
  /** The resource's plural name and scope; undefined when the server does not serve the kind. */
  async discover(apiVersion: string, kind: string): Promise<k8s.V1APIResource | undefined> {
    try {
      return await this.resource(apiVersion, kind);
    } catch (error) {
      if (error instanceof k8s.ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  basePath(apiVersion: string): string {
    return this.apiVersionPath(apiVersion);
  }

  send<T>(
    method: k8s.HttpMethod,
    path: string,
    query: Record<string, string>,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const request = this.configuration.baseServer.makeRequestContext(path, method);
    request.setHeaderParam('Accept', 'application/json');
    for (const [name, value] of Object.entries(query)) request.setQueryParam(name, value);
    if (body !== undefined) {
      request.setHeaderParam('Content-Type', contentType);
      request.setBody(JSON.stringify(body));
    }
    return this.requestPromise(request) as Promise<T>;
  }

  protected override async processResponse<T extends k8s.KubernetesObject>(
    response: k8s.ResponseContext,
  ): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) return JSON.parse(text) as T;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not a Status object (e.g. a proxy's HTML page); keep the text.
    }
    throw new k8s.ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', body, response.headers);
  }
}

interface Operation {
  readonly verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name?: string;
}

class ClientNodeKubeApi implements KubeApi {
  constructor(
    private readonly client: JsonObjectApi,
    private readonly server: string,
  ) {}

  async read<T extends k8s.KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    return this.call({ verb: 'get', ...ref }, async (path) => {
      try {
        return await this.client.send<T>(k8s.HttpMethod.GET, path, {});
      } catch (error) {
        if (error instanceof k8s.ApiException && error.code === 404) return undefined;
        throw error;
      }
    });
  }

  async list<T extends k8s.KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<T[]> {
    return this.call({ verb: 'list', apiVersion, kind, namespace }, async (path) => {
      const items: T[] = [];
      let continueToken: string | undefined;
      do {
        const query: Record<string, string> = { limit: '500' };
        if (labelSelector) query.labelSelector = labelSelector;
        if (continueToken) query.continue = continueToken;
        const page = await this.client.send<{ items?: T[]; metadata?: { continue?: string } }>(
          k8s.HttpMethod.GET,
          path,
          query,
        );
        // List items of built-in kinds come without apiVersion and kind; callers pass them on as whole objects.
        for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
        continueToken = page.metadata?.continue || undefined;
      } while (continueToken);
      return items;
    });
  }

  create<T extends k8s.KubernetesObject>(object: T): Promise<T> {
    const ref = addressOf(object);
    return this.call({ verb: 'create', ...ref }, (path) =>
      this.client.send<T>(k8s.HttpMethod.POST, path, { fieldManager: FIELD_MANAGER }, object),
    );
  }

  replace<T extends k8s.KubernetesObject>(object: T): Promise<T> {
    return this.call({ verb: 'update', ...addressOf(object) }, (path) =>
      this.client.send<T>(k8s.HttpMethod.PUT, path, { fieldManager: FIELD_MANAGER }, object),
    );
  }

  mergePatch<T extends k8s.KubernetesObject>(ref: ObjectRef, patch: object): Promise<T> {
    return this.call({ verb: 'patch', ...ref }, (path) =>
      this.client.send<T>(
        k8s.HttpMethod.PATCH,
        path,
        { fieldManager: FIELD_MANAGER },
        patch,
        k8s.PatchStrategy.MergePatch,
      ),
    );
  }

  delete(ref: ObjectRef, options?: { resourceVersion?: string }): Promise<boolean> {
    const body: k8s.V1DeleteOptions = {
      propagationPolicy: 'Background',
      ...(options?.resourceVersion ? { preconditions: { resourceVersion: options.resourceVersion } } : {}),
    };
    return this.call({ verb: 'delete', ...ref }, async (path) => {
      try {
        await this.client.send(k8s.HttpMethod.DELETE, path, {}, body);
        return true;
      } catch (error) {
        if (error instanceof k8s.ApiException && error.code === 404) return false;
        throw error;
      }
    });
  }

  /** Resolves the resource path by discovery, runs `request`, and turns every failure into a ClusterError. */
  private async call<T>(operation: Operation, request: (path: string) => Promise<T>): Promise<T> {
    let resource: k8s.V1APIResource | undefined;
    try {
      resource = await this.client.discover(operation.apiVersion, operation.kind);
    } catch (error) {
      throw toClusterError(error, operation, undefined, this.server);
    }
    if (!resource) throw notServed(operation, this.server);
    const parts = [this.client.basePath(operation.apiVersion)];
    if (resource.namespaced) parts.push('namespaces', encodeURIComponent(operation.namespace));
    parts.push(resource.name);
    // A create is posted to the collection.
    if (operation.name !== undefined && operation.verb !== 'create')
      parts.push(encodeURIComponent(operation.name));
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(parts.join('/'));
      } catch (error) {
        const wait = attempt < TOO_MANY_REQUESTS_ATTEMPTS ? retryAfterMs(error) : undefined;
        if (wait === undefined) throw toClusterError(error, operation, resource.name, this.server);
        await delay(wait);
      }
    }
  }
}

/**
 * How often a request the API server answers with 429 Too Many Requests is sent, in all. A 429 means it was not
 * processed: API Priority and Fairness shed it, or kube-apiserver was setting up a new or changed CRD's storage
 * ("storage is (re)initializing", seen on the real cluster right after Istio's CRDs went in). client-go sends
 * such requests again too.
 */
const TOO_MANY_REQUESTS_ATTEMPTS = 5;

/**
 * For a 429, the wait it asks for (its Retry-After header, or its Status's `details.retryAfterSeconds`;
 * kube-apiserver says 1 s), at most 10 s; else undefined.
 */
function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof k8s.ApiException) || error.code !== 429) return undefined;
  const header = Object.entries(error.headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after');
  const details = (error.body as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details;
  const seconds = Number(header?.[1] ?? details?.retryAfterSeconds);
  return Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000, 10_000);
}

function addressOf(object: k8s.KubernetesObject): ObjectRef {
  const { apiVersion, kind, metadata } = object;
  if (!apiVersion || !kind || !metadata?.name || !metadata.namespace) {
    throw new Error(
      `object needs apiVersion, kind, metadata.name and metadata.namespace: ${kind} ${metadata?.name}`,
    );
  }
  return { apiVersion, kind, namespace: metadata.namespace, name: metadata.name };
}

/** `virtualservices.networking.istio.io`, `services`, or `VirtualService.networking.istio.io` before discovery. */
function resourceName(operation: Operation, plural: string | undefined): string {
  const slash = operation.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : operation.apiVersion.slice(0, slash);
  const name = plural ?? operation.kind;
  return group ? `${name}.${group}` : name;
}

function describe(operation: Operation, plural: string | undefined): string {
  const name = operation.name === undefined ? '' : ` "${operation.name}"`;
  return `${operation.verb} ${resourceName(operation, plural)}${name} in namespace "${operation.namespace}"`;
}

const PRODUCTS: Record<string, string> = {
  'serving.knative.dev': 'Knative Serving',
  'networking.istio.io': 'Istio (networking.istio.io/v1 needs Istio 1.22 or later)',
  'gateway.networking.k8s.io': 'the Gateway API CRDs',
};

function notServed(operation: Operation, server: string): ClusterError {
  const group = operation.apiVersion.split('/')[0] ?? '';
  const product = PRODUCTS[group];
  return new ClusterError(
    `cannot ${describe(operation, undefined)}: the API server at ${server} does not serve ${operation.kind} ` +
      `(${operation.apiVersion})${product ? `; is ${product} installed?` : ''}`,
    404,
    'NotServed',
  );
}

/** `Forbidden` → `forbidden`, `AlreadyExists` → `already exists`. */
function reasonText(reason: string): string {
  return reason.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

/** The first `code` in an error's cause chain (undici wraps the socket error in `TypeError: fetch failed`). */
function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (current as { errors?: unknown[] }).errors;
    current = current.cause ?? errors?.[0];
  }
  return undefined;
}

export function toClusterError(
  error: unknown,
  operation: Operation,
  plural: string | undefined,
  server: string,
): ClusterError {
  const what = describe(operation, plural);
  if (error instanceof k8s.ApiException) {
    const status = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as k8s.V1Status;
    const reason = status.reason ? reasonText(status.reason) : `HTTP ${error.code}`;
    const hint = error.code === 401 ? '; the kubeconfig credentials were refused or have expired' : '';
    const detail = status.message ? ` (${status.message})` : '';
    return new ClusterError(`cannot ${what}: ${reason}${detail}${hint}`, error.code, status.reason);
  }
  const code = causeCode(error);
  if (code && (NETWORK_ERRORS[code] || /CERT|SELF_SIGNED|TLS/.test(code))) {
    const problem = NETWORK_ERRORS[code] ?? 'TLS certificate not trusted';
    return new ClusterError(
      `cannot ${what}: the Kubernetes API server at ${server} is unreachable: ${problem} (${code})`,
    );
  }
  return new ClusterError(`cannot ${what}: ${error instanceof Error ? error.message : String(error)}`);
}
