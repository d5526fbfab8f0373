// The data plane of a cluster, simulated on this machine, for end-to-end runs against the test API server. Real
// Istio (istiod, Envoy sidecars) and a kubelet cannot run here: there is no node and no container runtime. So this
// controller watches the real API server and does their part with local processes:
// - each workload whose image is in `profiles` runs as one samples/app process (the pod) with that image's
//   latency and error profile, exposing the request metrics an Istio sidecar would (reporter="destination",
//   destination_workload = the workload's name). A workload is a Deployment (target deployment), or a Knative
//   Revision (target knative), named `<revision>-deployment` as Knative names the Deployment it makes. Its status
//   is written once the process serves, as the Deployment controller would once the pod is ready
//   (DeploymentStatusController), or Knative once the revision is (KnativeStatusController, which also makes the
//   Revisions and their Services; this controller deletes those Services with their Revision, as the garbage
//   collector would);
// - the live route is the ingress: the VirtualService's (`mirror` + `mirrorPercentage`). With a mirror, the built-in
//   mirroring proxy (src/traffic/mirror-proxy.ts) sits in front of live and copies that share to the process of
//   the workload behind the mirrored Service (its selector, or its Knative revision label); without one, traffic
//   goes to live directly;
// - the built-in load generator sends constant-rate traffic to that ingress, and a real Prometheus scrapes every
//   process (file discovery, so new pods are found while it runs).
// Real: the API server with its CRD validation, RBAC and admission, Prometheus and its PromQL, the HTTP traffic and
// latencies, and the bundled action. Simulated: scheduling, the sidecar (its metrics come from the app itself) and
// the Envoy mirror (the built-in proxy implements the same share). Gateway API's RequestMirror is not simulated: it
// runs on the real cluster's Envoy (real-shop.ts).
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import type { Revision, RevisionTemplate } from '../../src/cluster/knative-resources.js';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { LoadGenerator, type LoadReport } from '../../src/traffic/load-generator.js';
import { MirrorProxy } from '../../src/traffic/mirror-proxy.js';
import { DeploymentStatusController } from './deployment-status-controller.js';
import { KnativeStatusController } from './knative-status-controller.js';
import { PollingLoop } from './polling-loop.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from './prometheus-server.js';
import { type SampleApp, startSampleApp } from './sample-app.js';

/** How the process of an image behaves: samples/app's `--latency` mixture (`ms:weight,…`) and `--errors` ratio. */
export interface AppProfile {
  readonly latency: string;
  readonly errors: number;
}

/**
 * The VirtualService whose live route the ingress follows. Istio's own data plane cannot run here (no released
 * Istio control plane builds from the module proxy); Gateway API mirroring runs on the real cluster's Envoy.
 */
export interface SimulatedRouter {
  readonly kind: 'istio';
  readonly virtualService: string;
}

export interface SimulatedDataPlaneOptions {
  readonly adminKubeconfig: string;
  readonly namespace: string;
  /** The live Service: a Kubernetes Service selecting the live Deployment, or a Knative Service. */
  readonly service: string;
  readonly target: 'deployment' | 'knative';
  readonly router: SimulatedRouter;
  /** The workload live traffic goes to: the live Deployment, or `<live revision>-deployment`. */
  readonly liveWorkload: string;
  /** By container image. A Deployment with any other image never becomes ready (ErrImagePull). */
  readonly profiles: Readonly<Record<string, AppProfile>>;
  /** Requests per second the data plane itself sends to the ingress (the users' traffic); 0 sends none. */
  readonly ratePerSecond: number;
  readonly log?: (line: string) => void;
}

/** What runs as one process: a Deployment, or a Knative Revision. */
interface Workload {
  readonly name: string;
  readonly image: string;
  /** The pod template's labels, which a Service selects (Deployments only). */
  readonly labels: Readonly<Record<string, string>>;
  /** The Knative Revision it realises. */
  readonly revision?: string;
}

/** Knative labels a revision's Services with it; a Deployment it makes is named after it. */
const REVISION_LABEL = 'serving.knative.dev/revision';
const workloadOfRevision = (revision: string) => `${revision}-deployment`;

interface Pod {
  readonly image: string;
  readonly app: SampleApp;
}

interface Ingress {
  /** The Deployment mirrored to, if any. */
  readonly dark?: string;
  readonly percent: number;
  readonly proxy?: MirrorProxy;
  readonly load?: LoadGenerator;
  /** Where the ingress sends a request: the mirroring proxy, or live directly. */
  readonly url: string;
}

const POLL_MS = 200;

export class SimulatedDataPlane {
  private readonly api: KubeApi;
  private readonly status: DeploymentStatusController;
  private readonly knative: KnativeStatusController | undefined;
  private readonly pods = new Map<string, Pod>();
  private readonly loop = new PollingLoop('simulated data plane', POLL_MS, () => this.reconcile());
  private readonly log: (line: string) => void;
  private ingress: Ingress | undefined;
  private scraped = '';
  /**
   * Every mirroring proxy started, closed ones included: an ingress being replaced is in none of `ingress`, so
   * counting only the current one and the closed ones would miss it while it stops.
   */
  private readonly proxies: MirrorProxy[] = [];
  /** One per ingress that was replaced or stopped. */
  readonly loadReports: LoadReport[] = [];
  /** The share of each mirror applied, in percent, in order. */
  readonly mirrorShares: number[] = [];
  /**
   * The ingress gateway's address, which stays the same while the mirror behind it changes: an HTTP relay to the
   * current ingress. Traffic sent here is routed (and mirrored) like the data plane's own.
   */
  private readonly gateway = createServer((request, response) => this.relay(request, response));

  private constructor(
    private readonly options: SimulatedDataPlaneOptions,
    readonly prometheus: PrometheusServer,
  ) {
    this.api = createKubeApi({ kind: 'inline', yaml: options.adminKubeconfig }, () => {});
    this.status = new DeploymentStatusController(options.adminKubeconfig, options.namespace);
    // A revision is not ready until its process serves.
    this.knative =
      options.target === 'knative'
        ? new KnativeStatusController(options.adminKubeconfig, options.namespace, { kind: 'pending' })
        : undefined;
    this.log = options.log ?? (() => {});
  }

  /** Starts Prometheus (scraping nothing yet) and the controller. */
  static async start(options: SimulatedDataPlaneOptions): Promise<SimulatedDataPlane> {
    const binary = prometheusBinaries().find((candidate) => existsSync(candidate.path));
    if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
    const prometheus = await startPrometheus({ binary, targets: [] });
    const plane = new SimulatedDataPlane(options, prometheus);
    await new Promise<void>((resolve) => plane.gateway.listen(0, '127.0.0.1', resolve));
    plane.loop.start();
    return plane;
  }

  /** `http://127.0.0.1:<port>` of the ingress gateway. */
  get gatewayUrl(): string {
    const address = this.gateway.address();
    return `http://127.0.0.1:${address && typeof address === 'object' ? address.port : 0}`;
  }

  /**
   * Routes each request, not each connection, to the current ingress, as Envoy applies a new route at once. Envoy
   * also drains the old route; here the ingress is stopped and restarted, so a request that falls in between is
   * retried, as Istio's default retry policy does for connect failures.
   */
  private relay(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => this.forward(request, Buffer.concat(chunks), response, Date.now() + 2_000));
  }

  /** Until `deadline`, a request that finds no ingress (one is being replaced) or cannot reach it is retried. */
  private forward(request: IncomingMessage, body: Buffer, response: ServerResponse, deadline: number): void {
    const retry = () => {
      if (Date.now() < deadline) setTimeout(() => this.forward(request, body, response, deadline), 25);
      else response.writeHead(502).end();
    };
    const target = this.ingress?.url;
    if (!target) {
      retry();
      return;
    }
    const upstream = httpRequest(
      `${target}${request.url ?? '/'}`,
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else retry();
    });
    upstream.end(body);
  }

  /** Requests the mirroring proxies copied to a dark process, over the whole run. */
  mirroredRequests(): number {
    return this.proxies.reduce((sum, proxy) => sum + proxy.stats.mirrored, 0);
  }

  /** Names of the workloads running as processes now. */
  running(): string[] {
    return [...this.pods.keys()].sort();
  }

  /**
   * Resolves once the workload `name` runs as a process and Prometheus holds its request metrics (it applies
   * new targets only every few seconds), e.g. the live one before a run starts.
   */
  async waitUntilScraped(name: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const query = `istio_requests_total{destination_workload=${JSON.stringify(name)}}`;
    const scraped = async () => {
      if (!this.pods.has(name)) return false;
      const response = await fetch(`${this.prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await response.json()) as { data?: { result?: unknown[] } };
      return (body.data?.result?.length ?? 0) > 0;
    };
    while (!(await scraped())) {
      if (Date.now() > deadline)
        throw new Error(
          `Prometheus did not scrape ${name} of the simulated data plane within ${timeoutMs} ms`,
        );
      await delay(200);
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.gateway.close();
    await this.replaceIngress(undefined);
    for (const name of [...this.pods.keys()]) await this.stopPod(name);
    await this.prometheus.stop();
  }

  private async reconcile(): Promise<void> {
    // Knative's part first: it makes the Revisions this pass runs.
    await this.knative?.reconcileAll();
    const workloads = await this.workloads();
    const present = new Set<string>();
    for (const workload of workloads) {
      present.add(workload.name);
      if (this.pods.get(workload.name)?.image === workload.image) continue;
      await this.stopPod(workload.name);
      await this.startPod(workload);
    }
    for (const name of [...this.pods.keys()]) if (!present.has(name)) await this.stopPod(name);
    if (this.knative) await this.collectRevisionServices(workloads);
    else await this.status.reconcileAll();

    const targets = [...this.pods.values()].map(({ app }) => new URL(app.url).host).sort();
    if (targets.join() !== this.scraped) {
      await this.prometheus.setTargets(targets);
      this.scraped = targets.join();
    }
    const wanted = await this.wantedMirror(workloads);
    if (
      this.ingress === undefined ||
      this.ingress.dark !== wanted?.dark ||
      this.ingress.percent !== (wanted?.percent ?? 0)
    ) {
      await this.replaceIngress(wanted ?? { percent: 0 });
    }
  }

  /** The Deployments, or with target knative the Revisions, in the namespace. */
  private async workloads(): Promise<Workload[]> {
    const { namespace } = this.options;
    if (this.knative) {
      const revisions = await this.api.list<Revision & { spec?: RevisionTemplate['spec'] }>(
        'serving.knative.dev/v1',
        'Revision',
        namespace,
      );
      return revisions.map((revision) => {
        const name = revision.metadata?.name ?? '';
        const image = revision.spec?.containers?.[0]?.image ?? '';
        return { name: workloadOfRevision(name), image, labels: {}, revision: name };
      });
    }
    const deployments = await this.api.list<k8s.V1Deployment>('apps/v1', 'Deployment', namespace);
    return deployments.map((deployment) => ({
      name: deployment.metadata?.name ?? '',
      image: deployment.spec?.template.spec?.containers[0]?.image ?? '',
      labels: deployment.spec?.template.metadata?.labels ?? {},
    }));
  }

  /** Deletes the Services of deleted Revisions, as the garbage collector does through their owner. */
  private async collectRevisionServices(workloads: readonly Workload[]): Promise<void> {
    const { namespace } = this.options;
    const revisions = new Set(workloads.map((workload) => workload.revision));
    for (const service of await this.api.list('v1', 'Service', namespace, REVISION_LABEL)) {
      if (revisions.has(service.metadata?.labels?.[REVISION_LABEL])) continue;
      await this.api.delete({
        apiVersion: 'v1',
        kind: 'Service',
        namespace,
        name: service.metadata?.name ?? '',
      });
    }
  }

  /** Reports the workload's pod state through the controller standing in for its owner. */
  private behave(workload: Workload, state: 'starting' | 'ready' | { unknownImage: string }): void {
    const message =
      typeof state === 'object'
        ? `image "${state.unknownImage}" is not one the simulated data plane runs`
        : '';
    if (workload.revision !== undefined && this.knative) {
      this.knative.behave(
        workload.revision,
        state === 'ready'
          ? { kind: 'ready' }
          : state === 'starting'
            ? { kind: 'pending' }
            : { kind: 'failed', reason: 'ErrImagePull', message },
      );
      return;
    }
    this.status.behave(
      workload.name,
      state === 'ready'
        ? { kind: 'ready' }
        : state === 'starting'
          ? { kind: 'stalled' }
          : { kind: 'waiting', reason: 'ErrImagePull', message },
    );
  }

  private async startPod(workload: Workload): Promise<void> {
    const { name, image } = workload;
    const profile = this.options.profiles[image];
    if (!profile) {
      this.behave(workload, { unknownImage: image });
      return;
    }
    // Not ready until the process serves, as a pod is not ready until its readiness probe passes.
    this.behave(workload, 'starting');
    const app = await startSampleApp([
      '--name',
      name,
      '--namespace',
      this.options.namespace,
      '--latency',
      profile.latency,
      '--errors',
      String(profile.errors),
    ]);
    this.pods.set(name, { image, app });
    this.behave(workload, 'ready');
    this.log(`pod ${name} (${image}) serves at ${app.url}`);
  }

  private async stopPod(name: string): Promise<void> {
    const pod = this.pods.get(name);
    if (!pod) return;
    this.pods.delete(name);
    if (this.ingress?.dark === name || name === this.options.liveWorkload)
      await this.replaceIngress(undefined);
    await pod.app.stop();
    this.log(`pod ${name} stopped`);
  }

  /**
   * The mirror on the live route: the workload behind the mirrored Service, and the share mirrored. Undefined
   * when it does not mirror, or mirrors to a workload without a running process (Envoy drops a mirror without
   * endpoints).
   */
  private async wantedMirror(
    workloads: readonly Workload[],
  ): Promise<{ dark: string; percent: number } | undefined> {
    const mirror = await this.virtualServiceMirror(this.options.router.virtualService);
    if (!mirror) return undefined;
    const dark = await this.workloadBehind(mirror.service, workloads);
    return dark && this.pods.has(dark) ? { dark, percent: mirror.percent } : undefined;
  }

  /** `mirror` + `mirrorPercentage` on the VirtualService (Istio's default share is 100 % without it). */
  private async virtualServiceMirror(
    name: string,
  ): Promise<{ service: string; percent: number } | undefined> {
    const virtualService = await this.api.read<
      k8s.KubernetesObject & {
        spec?: { http?: { mirror?: { host: string }; mirrorPercentage?: { value: number } }[] };
      }
    >({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      namespace: this.options.namespace,
      name,
    });
    const route = virtualService?.spec?.http?.find((candidate) => candidate.mirror);
    if (!route?.mirror) return undefined;
    return { service: route.mirror.host.split('.')[0] ?? '', percent: route.mirrorPercentage?.value ?? 100 };
  }

  /** The workload the Service reaches: its Knative revision's, or the Deployment its selector matches. */
  private async workloadBehind(name: string, workloads: readonly Workload[]): Promise<string | undefined> {
    const service = await this.api.read<k8s.V1Service>({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: this.options.namespace,
      name,
    });
    const revision = service?.metadata?.labels?.[REVISION_LABEL];
    if (revision !== undefined) return workloadOfRevision(revision);
    const selector = Object.entries(service?.spec?.selector ?? {});
    return workloads.find(
      (workload) => selector.length > 0 && selector.every(([key, value]) => workload.labels[key] === value),
    )?.name;
  }

  /** Stops the current ingress (keeping its load report) and, unless `next` is undefined, starts the next one. */
  private async replaceIngress(next: { dark?: string; percent: number } | undefined): Promise<void> {
    const current = this.ingress;
    this.ingress = undefined;
    if (current) {
      if (current.load) this.loadReports.push(await current.load.stop());
      await current.proxy?.close();
    }
    const live = this.pods.get(this.options.liveWorkload);
    if (!next || !live) return;
    const dark = next.dark === undefined ? undefined : this.pods.get(next.dark);
    const proxy = dark
      ? await MirrorProxy.start({
          liveUrl: live.app.url,
          darkUrl: dark.app.url,
          percent: next.percent,
          unsafeMethods: false,
          port: 0,
          timeoutMs: 5_000,
          now: Date.now,
        })
      : undefined;
    if (proxy) {
      this.proxies.push(proxy);
      this.mirrorShares.push(next.percent);
    }
    const url = proxy?.url ?? live.app.url;
    const load =
      this.options.ratePerSecond > 0
        ? new LoadGenerator({
            url,
            ratePerSecond: this.options.ratePerSecond,
            concurrency: 64,
            requests: [{ method: 'GET', path: '/cart', headers: {}, weight: 1 }],
            timeoutMs: 5_000,
          })
        : undefined;
    load?.start();
    this.ingress = {
      ...(dark ? { dark: next.dark } : {}),
      percent: dark ? next.percent : 0,
      ...(proxy ? { proxy } : {}),
      ...(load ? { load } : {}),
      url,
    };
    this.log(
      dark
        ? `ingress: ${this.options.ratePerSecond} req/s to live, ${next.percent}% mirrored to ${next.dark}`
        : `ingress: ${this.options.ratePerSecond} req/s to live, no mirror`,
    );
  }
}
