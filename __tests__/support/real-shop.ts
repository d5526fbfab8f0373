// A sample of samples/ on the real cluster (real-cluster.ts), for end-to-end runs of the bundled action: the
// sample's objects as the user applies them, with the images of samples/app the cluster holds (samples/app's port
// and health path) and the cluster's GatewayClass; a real Prometheus discovering the pods through the API server;
// the users' traffic sent into the Gateway's real Envoy (which applies the HTTPRoute's RequestMirror itself); and a
// fake GitHub API for the PR comment.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { LoadGenerator, type LoadReport } from '../../src/traffic/load-generator.js';
import { clusterState, managedObjects, podsBeingDeleted } from './checkout-cluster.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github-server.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from './prometheus-server.js';
import { APP_IMAGES, type RealCluster, until } from './real-cluster.js';
import { output, signalWhen } from './run-bundled-action.js';
import { type ShopRuns, shopRuns } from './shop-runs.js';
import { type ShopSample, sampleObjects } from './shop-samples.js';

/** samples/app's port in the cluster's images, and its health path (any other path is a counted request). */
const APP_PORT = 8080;
const HEALTH_PATH = '/healthz';

export interface RealShop extends ShopRuns {
  readonly admin: KubeApi;
  readonly prometheus: PrometheusServer;
  readonly github: FakeGitHub;
  /**
   * Counts, until the returned function is called, the requests the pods matching `dark` and `live` (label
   * selectors) answer while the dark pods answer any: how many of the live requests were mirrored. Read from
   * samples/app's own counters on the pods (Prometheus discovers a new pod seconds late).
   */
  watchMirror(dark: string, live: string): () => Promise<{ dark: number; live: number }>;
  /** The sample's objects, pods being deleted left out (`expectDeletedPodsGone` waits for those). */
  clusterState(): Promise<Record<string, unknown>>;
  managedObjects(): Promise<string[]>;
  /**
   * Waits until no pod in the sample's namespace is being deleted: with every run's `clusterState` equal to the
   * one before it, the cluster is then exactly as the first run found it. One wait per file rather than one per
   * run. The Knative file needs no call of its own: its namespace is deleted only once every Knative pod in it has
   * gone (their 30 s drain), at its stop or at the suite's end.
   */
  expectDeletedPodsGone(): Promise<void>;
  /**
   * Stops the traffic, Prometheus and the fake GitHub, and deletes the sample's namespace (or, with
   * `namespaceDeletion: 'with-the-cluster'`, what runs in it, leaving the namespace to the cluster's stop).
   */
  stop(): Promise<LoadReport | undefined>;
}

/** The sample's objects as a user of this cluster applies them. */
export function onRealCluster(
  objects: readonly k8s.KubernetesObject[],
  cluster: RealCluster,
): k8s.KubernetesObject[] {
  return objects.map((object) => {
    const copy = structuredClone(object) as k8s.KubernetesObject & { spec?: Record<string, unknown> };
    if (copy.kind === 'Gateway' && copy.spec) copy.spec.gatewayClassName = cluster.gatewayClass;
    if (copy.kind === 'Deployment') {
      const pod = (copy as k8s.V1Deployment).spec?.template.spec;
      for (const container of pod?.containers ?? []) onThisCluster(container);
    }
    if (copy.apiVersion === 'serving.knative.dev/v1' && copy.kind === 'Service') {
      const pod = (copy as { spec?: { template?: { spec?: { containers?: k8s.V1Container[] } } } }).spec
        ?.template?.spec;
      for (const container of pod?.containers ?? []) onThisCluster(container);
    }
    return copy;
  });
}

/**
 * A sample's container as it runs here: samples/app's image, port and health path, and its readiness probed every
 * second rather than Kubernetes' default 10 s, so that each run's dark copy is ready about a second after it serves
 * instead of at the next probe (for Knative, the kubelet's probe of queue-proxy, which then probes the app).
 */
function onThisCluster(container: k8s.V1Container): void {
  container.image = APP_IMAGES.healthy;
  container.ports = (container.ports ?? []).map((port) => ({ ...port, containerPort: APP_PORT }));
  if (container.readinessProbe?.httpGet) {
    container.readinessProbe.httpGet.path = HEALTH_PATH;
    container.readinessProbe.periodSeconds = 1;
  }
}

export async function startRealShop(options: {
  cluster: RealCluster;
  sample: ShopSample;
  /** The Gateway's listener, where the users' requests go (Envoy Gateway's host-mode Envoy binds it here). */
  gateway: { port: number; host: string; path: string };
  /** The users' requests per second into the Gateway; 0 sends none (the run's own load is all there is). */
  ratePerSecond: number;
  /**
   * `with-the-cluster`: the stop only deletes what runs in the namespace (a Knative sample's pods then drain for
   * 30 s, overlapping the files after this one), and the namespace goes with the cluster. By default `now`.
   */
  namespaceDeletion?: 'now' | 'with-the-cluster';
}): Promise<RealShop> {
  const { cluster, sample } = options;
  const stops: (() => Promise<void>)[] = [];
  let load: LoadGenerator | undefined;
  const stopAll = async () => {
    const report = await load?.stop();
    for (const close of stops.reverse()) await close();
    return report;
  };
  try {
    stops.push(() =>
      options.namespaceDeletion === 'with-the-cluster'
        ? cluster.leaveNamespace(sample.namespace)
        : cluster.deleteNamespace(sample.namespace),
    );
    const admin = createKubeApi({ kind: 'inline', yaml: cluster.adminKubeconfig }, () => {});
    const core = cluster.admin.makeApiClient(k8s.CoreV1Api);
    for (const object of onRealCluster(sampleObjects(sample), cluster)) {
      if (object.kind === 'Namespace') await cluster.createNamespace(object.metadata?.name ?? '');
      else await admin.create(object);
    }
    // Debian's 2.42 is built without Kubernetes service discovery.
    const binary = prometheusBinaries().find((candidate) => !candidate.path.startsWith('/usr/'));
    if (!binary || !existsSync(binary.path))
      throw new Error('No Prometheus 3 binary: run testenv/provision.sh');
    const prometheus = await startPrometheus({ binary, targets: [], kubernetesPods: cluster.discovery });
    stops.push(() => prometheus.stop());
    const github = await startFakeGitHub();
    stops.push(() => github.close());

    const { port, host, path } = options.gateway;
    const gatewayUrl = `http://127.0.0.1:${port}`;
    // Envoy Gateway starts the Gateway's Envoy, the live pods get ready, the route reaches them.
    await until(`${host}${path} answered by the live pods through the Gateway`, 120_000, async () => {
      const body = await get(`${gatewayUrl}${path}`, host).catch(() => '');
      return body.includes(`"app":"${sample.liveWorkload}"`);
    });
    if (options.ratePerSecond > 0) {
      load = new LoadGenerator({
        url: gatewayUrl,
        ratePerSecond: options.ratePerSecond,
        concurrency: 64,
        requests: [{ method: 'GET', path, headers: { host }, weight: 1 }],
        timeoutMs: 5_000,
      });
      load.start();
    }
    const query = async (promql: string, time?: number): Promise<number> => {
      const at = time === undefined ? '' : `&time=${time}`;
      const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}${at}`);
      const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
      return Number(body.data?.result?.[0]?.value[1] ?? Number.NaN);
    };
    const series = (workload: string) =>
      `istio_requests_total{destination_workload="${workload}",destination_workload_namespace="${sample.namespace}"}`;
    const requests = (workload: string) => `sum(${series(workload)})`;
    const answered = async (selector: string) => {
      const pods = await core.listNamespacedPod({ namespace: sample.namespace, labelSelector: selector });
      const counts = await Promise.all(
        pods.items
          .filter((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp)
          .map(async (pod) => {
            const stats = await get(`http://${pod.status?.podIP}:${APP_PORT}/__stats`).catch(() => '{}');
            return Number((JSON.parse(stats) as { requests?: number }).requests ?? 0);
          }),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    };
    const watchMirror = (dark: string, live: string) => {
      let first: { dark: number; live: number } | undefined;
      let last: { dark: number; live: number } | undefined;
      let watching = true;
      const polling = (async () => {
        while (watching) {
          // Both at once: at 100 requests/s, each 100 ms between the two reads is 10 requests off the share.
          const [darkCount, liveCount] = await Promise.all([answered(dark), answered(live)]);
          const sample = { dark: darkCount, live: liveCount };
          // The window ends at the last sample in which dark answered more: after cleanup takes the mirror off,
          // live goes on answering while the dark pod drains, and those requests were never mirrored.
          if (sample.dark > (last?.dark ?? 0)) {
            first ??= sample;
            last = sample;
          }
          await delay(250);
        }
      })();
      return async () => {
        watching = false;
        await polling;
        return { dark: (last?.dark ?? 0) - (first?.dark ?? 0), live: (last?.live ?? 0) - (first?.live ?? 0) };
      };
    };
    await until(`Prometheus scraping ${sample.liveWorkload}`, 60_000, async () => {
      return (await query(requests(sample.liveWorkload))) > 0;
    });

    const runs = shopRuns({
      sample,
      prometheusUrl: prometheus.url,
      kubeconfig: cluster.adminKubeconfig,
      github,
      firstRunNumber: 9000,
    });
    return {
      admin,
      prometheus,
      github,
      watchMirror,
      ...runs,
      // Prometheus finds a new dark pod seconds late (Kubernetes discovery, then a scrape): on a loaded machine the
      // first two 3 s iterations had no dark data and three left the run inconclusive. Early pass and fail-fast
      // still end a run as soon as its objectives are settled.
      inputs: (suffix, image, extra = {}) => runs.inputs(suffix, image, { iterations: '8', ...extra }),
      clusterState: () => clusterState(admin, sample.namespace, sample.extraKinds),
      managedObjects: () => managedObjects(admin, sample.namespace, sample.extraKinds),
      expectDeletedPodsGone: () =>
        expect.poll(() => podsBeingDeleted(admin, sample.namespace), { timeout: 120_000 }).toEqual([]),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A GET, with its own Host header if given (which fetch does not let a caller set), resolving to the body. */
function get(url: string, host?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host ? { host } : {}, timeout: 2_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * SIGKILLs a run of `shop` once its mirror is on, runs the post step with the killed run's saved state, and
 * checks that the post step warns of nothing and leaves the cluster exactly as before the run (within a minute,
 * for pods to go).
 */
export async function expectPostStepRestoresKilledRun(shop: RealShop, mirrorLine: RegExp): Promise<void> {
  const before = await shop.clusterState();
  const killed = await shop.run(shop.inputs('killed', APP_IMAGES.healthy), {
    onSpawn: signalWhen(mirrorLine, 'SIGKILL'),
  });
  expect(killed.exitCode, output(killed)).toBeNull();
  expect(await shop.managedObjects()).not.toEqual([]);

  const post = await shop.run(shop.inputs('killed', APP_IMAGES.healthy), { state: killed.state });
  expect(post.exitCode, output(post)).toBe(0);
  expect(post.stdout).not.toMatch(/^::warning::/m);
  expect(await shop.managedObjects()).toEqual([]);
  await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
}
