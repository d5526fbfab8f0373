// The data plane of a cluster, simulated on this machine, for end-to-end runs against the test API server. Real
// Istio (istiod, Envoy sidecars) and a kubelet cannot run here: there is no node and no container runtime. So this
// controller watches the real API server and does their part with local processes:
// - each Deployment whose image is in `profiles` runs as one samples/app process (the pod) with that image's
//   latency and error profile, exposing the request metrics an Istio sidecar would (reporter="destination",
//   destination_workload = the Deployment's name); its status is written by DeploymentStatusController once the
//   process serves, as the Deployment controller would once the pod is ready;
// - the live route of the VirtualService is the ingress: with `mirror` + `mirrorPercentage`, the built-in
//   mirroring proxy (src/traffic/mirror-proxy.ts) sits in front of live and copies that share to the process of
//   the Deployment the mirror host's Service selects; without a mirror, traffic goes to live directly;
// - the built-in load generator sends constant-rate traffic to that ingress, and a real Prometheus scrapes every
//   process (file discovery, so new pods are found while it runs).
// Real: the API server with its CRD validation, RBAC and admission, Prometheus and its PromQL, the HTTP traffic and
// latencies, and the bundled action. Simulated: scheduling, the sidecar (its metrics come from the app itself) and
// the Envoy mirror (the built-in proxy implements the same share).
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { LoadGenerator, type LoadReport } from '../../src/traffic/load-generator.js';
import { MirrorProxy } from '../../src/traffic/mirror-proxy.js';
import { DeploymentStatusController } from './deployment-status-controller.js';
import { PollingLoop } from './polling-loop.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from './prometheus-server.js';
import { type SampleApp, startSampleApp } from './sample-app.js';

/** How the process of an image behaves: samples/app's `--latency` mixture (`ms:weight,…`) and `--errors` ratio. */
export interface AppProfile {
  readonly latency: string;
  readonly errors: number;
}

export interface SimulatedDataPlaneOptions {
  readonly adminKubeconfig: string;
  readonly namespace: string;
  /** The live Deployment, its Service and the VirtualService routing to it share this name. */
  readonly service: string;
  /** By container image. A Deployment with any other image never becomes ready (ErrImagePull). */
  readonly profiles: Readonly<Record<string, AppProfile>>;
  /** Requests per second sent to the ingress. */
  readonly ratePerSecond: number;
  readonly log?: (line: string) => void;
}

interface Pod {
  readonly image: string;
  readonly app: SampleApp;
}

interface Ingress {
  /** The Deployment mirrored to, if any. */
  readonly dark?: string;
  readonly percent: number;
  readonly proxy?: MirrorProxy;
  readonly load: LoadGenerator;
}

const POLL_MS = 200;

export class SimulatedDataPlane {
  private readonly api: KubeApi;
  private readonly status: DeploymentStatusController;
  private readonly pods = new Map<string, Pod>();
  private readonly loop = new PollingLoop('simulated data plane', POLL_MS, () => this.reconcile());
  private readonly log: (line: string) => void;
  private ingress: Ingress | undefined;
  private scraped = '';
  /** Requests copied to a dark process by the proxies already closed. */
  private mirroredBefore = 0;
  /** One per ingress that was replaced or stopped. */
  readonly loadReports: LoadReport[] = [];

  private constructor(
    private readonly options: SimulatedDataPlaneOptions,
    readonly prometheus: PrometheusServer,
  ) {
    this.api = createKubeApi({ kind: 'inline', yaml: options.adminKubeconfig }, () => {});
    this.status = new DeploymentStatusController(options.adminKubeconfig, options.namespace);
    this.log = options.log ?? (() => {});
  }

  /** Starts Prometheus (scraping nothing yet) and the controller. */
  static async start(options: SimulatedDataPlaneOptions): Promise<SimulatedDataPlane> {
    const binary = prometheusBinaries().find((candidate) => existsSync(candidate.path));
    if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
    const prometheus = await startPrometheus({ binary, targets: [] });
    const plane = new SimulatedDataPlane(options, prometheus);
    plane.loop.start();
    return plane;
  }

  /** Requests the mirroring proxies copied to a dark process, over the whole run. */
  mirroredRequests(): number {
    return this.mirroredBefore + (this.ingress?.proxy?.stats.mirrored ?? 0);
  }

  /** Names of the Deployments running as processes now. */
  running(): string[] {
    return [...this.pods.keys()].sort();
  }

  /**
   * Resolves once the Deployment `name` runs as a process and Prometheus holds its request metrics (it applies
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
    await this.replaceIngress(undefined);
    for (const name of [...this.pods.keys()]) await this.stopPod(name);
    await this.prometheus.stop();
  }

  private async reconcile(): Promise<void> {
    const { namespace } = this.options;
    const deployments = await this.api.list<k8s.V1Deployment>('apps/v1', 'Deployment', namespace);
    const present = new Set<string>();
    for (const deployment of deployments) {
      const name = deployment.metadata?.name ?? '';
      const image = deployment.spec?.template.spec?.containers[0]?.image ?? '';
      present.add(name);
      if (this.pods.get(name)?.image === image) continue;
      await this.stopPod(name);
      await this.startPod(name, image);
    }
    for (const name of [...this.pods.keys()]) if (!present.has(name)) await this.stopPod(name);
    await this.status.reconcileAll();

    const targets = [...this.pods.values()].map(({ app }) => new URL(app.url).host).sort();
    if (targets.join() !== this.scraped) {
      await this.prometheus.setTargets(targets);
      this.scraped = targets.join();
    }
    const wanted = await this.wantedMirror(deployments);
    if (
      this.ingress === undefined ||
      this.ingress.dark !== wanted?.dark ||
      this.ingress.percent !== (wanted?.percent ?? 0)
    ) {
      await this.replaceIngress(wanted ?? { percent: 0 });
    }
  }

  private async startPod(name: string, image: string): Promise<void> {
    const profile = this.options.profiles[image];
    if (!profile) {
      this.status.behave(name, {
        kind: 'waiting',
        reason: 'ErrImagePull',
        message: `image "${image}" is not one the simulated data plane runs`,
      });
      return;
    }
    // Not ready until the process serves, as a pod is not ready until its readiness probe passes.
    this.status.behave(name, { kind: 'stalled' });
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
    this.status.behave(name, { kind: 'ready' });
    this.log(`pod ${name} (${image}) serves at ${app.url}`);
  }

  private async stopPod(name: string): Promise<void> {
    const pod = this.pods.get(name);
    if (!pod) return;
    this.pods.delete(name);
    if (this.ingress?.dark === name || name === this.options.service) await this.replaceIngress(undefined);
    await pod.app.stop();
    this.log(`pod ${name} stopped`);
  }

  /**
   * The mirror on the VirtualService's live route: the Deployment the mirror host's Service selects, and the
   * percentage (Istio's default is 100 when `mirrorPercentage` is absent). Undefined when it does not mirror.
   */
  private async wantedMirror(
    deployments: readonly k8s.V1Deployment[],
  ): Promise<{ dark: string; percent: number } | undefined> {
    const { namespace, service } = this.options;
    const virtualService = await this.api.read<
      k8s.KubernetesObject & {
        spec?: { http?: { mirror?: { host: string }; mirrorPercentage?: { value: number } }[] };
      }
    >({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: service });
    const route = virtualService?.spec?.http?.find((candidate) => candidate.mirror);
    if (!route?.mirror) return undefined;
    const serviceName = route.mirror.host.split('.')[0] ?? '';
    const darkService = await this.api.read<k8s.V1Service>({
      apiVersion: 'v1',
      kind: 'Service',
      namespace,
      name: serviceName,
    });
    const selector = Object.entries(darkService?.spec?.selector ?? {});
    const dark = deployments.find((deployment) => {
      const labels = deployment.spec?.template.metadata?.labels ?? {};
      return selector.length > 0 && selector.every(([key, value]) => labels[key] === value);
    });
    const name = dark?.metadata?.name;
    // A dark Deployment without a running pod receives nothing, as Envoy drops a mirror without endpoints.
    return name && this.pods.has(name)
      ? { dark: name, percent: route.mirrorPercentage?.value ?? 100 }
      : undefined;
  }

  /** Stops the current ingress (keeping its load report) and, unless `next` is undefined, starts the next one. */
  private async replaceIngress(next: { dark?: string; percent: number } | undefined): Promise<void> {
    const current = this.ingress;
    this.ingress = undefined;
    if (current) {
      this.loadReports.push(await current.load.stop());
      if (current.proxy) {
        this.mirroredBefore += current.proxy.stats.mirrored;
        await current.proxy.close();
      }
    }
    const live = this.pods.get(this.options.service);
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
    const load = new LoadGenerator({
      url: proxy?.url ?? live.app.url,
      ratePerSecond: this.options.ratePerSecond,
      concurrency: 64,
      requests: [{ method: 'GET', path: '/cart', headers: {}, weight: 1 }],
      timeoutMs: 5_000,
    });
    load.start();
    this.ingress = dark
      ? { dark: next.dark, percent: next.percent, ...(proxy ? { proxy } : {}), load }
      : { percent: 0, load };
    this.log(
      dark
        ? `ingress: ${this.options.ratePerSecond} req/s to live, ${next.percent}% mirrored to ${next.dark}`
        : `ingress: ${this.options.ratePerSecond} req/s to live, no mirror`,
    );
  }
}
