import type { RequestOptions } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type * as k8s from '@kubernetes/client-node';
import WebSocket from 'ws';
import type { PortForwardTarget } from '../core/traffic-config.js';
import { ClusterError } from './cluster-error.js';
import type { KubeApi } from './kube-api.js';

/** The pod and port a Service port leads to, chosen the way `kubectl port-forward svc/…` does. */
export interface ForwardedPod {
  readonly pod: string;
  readonly port: number;
  /** `Service "istio-ingressgateway" port 80 (pod "istio-ingressgateway-7d9f…" port 8080)`, for the log. */
  readonly description: string;
}

/** A local listener whose connections reach a pod's port through the Kubernetes API. */
export interface ServicePortForward {
  /** `http://127.0.0.1:<port>`: send the load here. */
  readonly url: string;
  readonly description: string;
  /** Connections forwarded, and those the API server or the kubelet refused. */
  readonly stats: { readonly connections: number; readonly failures: number };
  close(): Promise<void>;
}

/**
 * Resolves the Service to one ready pod and its container port: the Service port by number or name (default the
 * first), its targetPort by number or by the pod's container port name.
 */
export async function resolveForwardedPod(api: KubeApi, target: PortForwardTarget): Promise<ForwardedPod> {
  const { namespace, service: name } = target;
  const where = `Service "${name}" in namespace "${namespace}"`;
  const service = await api.read<k8s.V1Service>({ apiVersion: 'v1', kind: 'Service', namespace, name });
  if (!service) throw new ClusterError(`cannot port-forward to ${where}: it does not exist`, 404, 'NotFound');
  const selector = service.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) {
    throw new ClusterError(
      `cannot port-forward to ${where}: it has no selector, so no pod stands behind it; name a Service with a selector in load-service`,
    );
  }
  const ports = service.spec?.ports ?? [];
  const servicePort =
    target.port === undefined
      ? ports[0]
      : ports.find((port) => (typeof target.port === 'number' ? port.port : port.name) === target.port);
  if (!servicePort) {
    const known = ports.map((port) => (port.name ? `${port.port} (${port.name})` : String(port.port)));
    throw new ClusterError(
      `cannot port-forward to ${where}: it has no port ${target.port ?? ''}; its ports are ${known.join(', ') || 'none'}`,
    );
  }
  const labelSelector = Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const pods = await api.list<k8s.V1Pod>('v1', 'Pod', namespace, labelSelector);
  const pod = pods
    .filter(isReady)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
  if (!pod?.metadata?.name) {
    throw new ClusterError(
      `cannot port-forward to ${where}: none of its ${pods.length} pod(s) (${labelSelector}) is running and ready`,
    );
  }
  const podPort = containerPort(pod, servicePort.targetPort ?? servicePort.port);
  if (podPort === undefined) {
    throw new ClusterError(
      `cannot port-forward to ${where}: pod "${pod.metadata.name}" has no container port named "${servicePort.targetPort}"`,
    );
  }
  return {
    pod: pod.metadata.name,
    port: podPort,
    description: `${where} port ${servicePort.port} (pod "${pod.metadata.name}" port ${podPort})`,
  };
}

function isReady(pod: k8s.V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

function containerPort(pod: k8s.V1Pod, targetPort: number | string): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  for (const container of pod.spec?.containers ?? []) {
    const port = container.ports?.find((p) => p.name === targetPort);
    if (port) return port.containerPort;
  }
  return undefined;
}

/**
 * Listens on 127.0.0.1 and forwards each connection to the pod through the API server's pods/portforward (a
 * WebSocket per connection, as the v4.channel.k8s.io protocol carries one stream pair per port and connection).
 * Before resolving, one HTTP request through the forward proves the way works, so a missing permission or an
 * unreachable pod fails the run here, with its reason, rather than as errors in every load request.
 */
export async function openServicePortForward(
  kubeConfig: k8s.KubeConfig,
  api: KubeApi,
  target: PortForwardTarget,
  options: { readonly timeoutMs: number; readonly log: (line: string) => void },
): Promise<ServicePortForward> {
  const forwarded = await resolveForwardedPod(api, target);
  // The kubeconfig's CA, client certificate or token, as client-node applies them to its own requests.
  const connectOptions: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(connectOptions);
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const forward = new PodForward(
    server,
    connectOptions as WebSocket.ClientOptions,
    target.namespace,
    forwarded,
    options.log,
  );
  await forward.listen();
  try {
    await forward.probe(options.timeoutMs);
  } catch (error) {
    await forward.close();
    throw error;
  }
  return forward;
}

/** The channel byte of the data stream, first in every message sent. */
const DATA_STREAM = Buffer.from([0]);

class PodForward implements ServicePortForward {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private counts = { connections: 0, failures: 0 };
  /** The first failure's reason, logged once: the same cause usually fails every connection. */
  private firstFailure: string | undefined;
  url = '';

  constructor(
    private readonly apiServer: string,
    private readonly connectOptions: WebSocket.ClientOptions,
    private readonly namespace: string,
    private readonly pod: ForwardedPod,
    private readonly log: (line: string) => void,
  ) {
    this.server = createServer((socket) => this.forward(socket));
  }

  get description(): string {
    return this.pod.description;
  }

  get stats() {
    return { ...this.counts };
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        if (address && typeof address === 'object') this.url = `http://127.0.0.1:${address.port}`;
        resolve();
      });
    });
  }

  /** One request through the forward; any HTTP answer proves the way works. */
  async probe(timeoutMs: number): Promise<void> {
    const failure = (reason: string) =>
      new ClusterError(`cannot port-forward to ${this.pod.description}: ${reason}`);
    let response: Response;
    try {
      response = await fetch(`${this.url}/`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw failure(this.firstFailure ?? (timedOut ? `no answer within ${timeoutMs} ms` : 'no HTTP answer'));
    }
  }

  /**
   * One connection through `pods/portforward`, in the v4.channel.k8s.io WebSocket protocol: each binary message
   * starts with its stream, 0 for data and 1 for the kubelet's error text, and the first message of each stream
   * then carries the port (2 bytes) before any payload; data sent starts with stream 0. (client-node's
   * PortForward speaks it too, but loads the whole generated typed API, which would double the bundle.)
   */
  private forward(socket: Socket): void {
    this.counts.connections++;
    this.sockets.add(socket);
    // Writes after the far end closed are expected; the close itself is what matters.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    const errors: Buffer[] = [];
    const portPending = [true, true];
    const ws = new WebSocket(
      `${this.apiServer.replace(/^http/, 'ws')}/api/v1/namespaces/${this.namespace}/pods/${this.pod.pod}/portforward?ports=${this.pod.port}`,
      ['v4.channel.k8s.io'],
      this.connectOptions,
    );
    ws.on('unexpected-response', (request, response) => {
      // The API server's Status says why (forbidden, not found); read it, then give up on this connection.
      const body: Buffer[] = [];
      response.on('data', (chunk: Buffer) => body.push(chunk));
      response.on('end', () => {
        this.fail(refusal(response.statusCode ?? 0, Buffer.concat(body).toString('utf8')));
        request.destroy();
        socket.destroy();
      });
    });
    // Once our side has closed, what the WebSocket or the kubelet report about the ending is no failure.
    let closedHere = false;
    ws.on('error', (error) => {
      if (!closedHere) this.fail(`the API server could not be reached (${error.message})`);
      socket.destroy();
    });
    ws.on('open', () => {
      socket.on('data', (chunk: Buffer) => ws.send(Buffer.concat([DATA_STREAM, chunk])));
      socket.on('end', () => {
        closedHere = true;
        ws.close();
      });
    });
    ws.on('message', (message: Buffer, isBinary) => {
      if (!isBinary || message.length === 0) return;
      const stream = message[0] ?? -1;
      let payload = message.subarray(1);
      if (portPending[stream]) {
        payload = payload.subarray(2);
        portPending[stream] = false;
      }
      if (stream === 0) socket.write(payload);
      else if (stream === 1) errors.push(payload);
    });
    // The pod (or the kubelet) closed the connection: end ours, saying why when the kubelet did.
    ws.on('close', () => {
      if (errors.length > 0 && !closedHere) this.fail(Buffer.concat(errors).toString('utf8').trim());
      socket.end();
    });
    socket.on('close', () => {
      closedHere = true;
      ws.terminate();
    });
  }

  private fail(reason: string): void {
    this.counts.failures++;
    if (this.firstFailure !== undefined) return;
    this.firstFailure = reason;
    this.log(`Port-forward to ${this.pod.description} failed: ${reason}`);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Why the API server refused the WebSocket upgrade, from its status and its Status body, for the user. */
function refusal(status: number, body: string): string {
  let message = '';
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? '';
  } catch {
    // Not a Status: the code alone says enough.
  }
  const detail = message ? ` (${message})` : '';
  switch (status) {
    case 401:
      return 'the API server refused the kubeconfig credentials (HTTP 401)';
    case 403:
      return `forbidden (HTTP 403): the kubeconfig user needs get and create on pods/portforward${detail}`;
    case 404:
      return `the pod no longer exists (HTTP 404)${detail}`;
    default:
      return `the API server answered HTTP ${status}${detail}; it may not reach the pod's node (kubelet)`;
  }
}
