// The real one-node cluster of testenv/cluster/: etcd, kube-apiserver (Node and RBAC authorization,
// NodeRestriction), kube-controller-manager, kube-scheduler, a kubelet on containerd with CNI, kube-proxy, and
// Envoy Gateway running each Gateway's Envoy on this host. The integration suite starts it once
// (real-cluster-setup.ts) and hands it to the test files through vitest's inject; `npm run demo:cluster` starts its
// own. Pods run the images testenv/cluster/images.tsv lists; their IPs are on the cluster's own bridge.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { kubeconfig, mintServiceAccountKubeconfig } from './kube-test-env.js';
import type { KubernetesDiscovery } from './prometheus-server.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CLUSTER_SH = `${repoRoot}testenv/cluster/cluster.sh`;
const INFO = '/run/shadowgate-cluster/info';
const execFileAsync = promisify(execFile);

/** What `cluster.sh start` reports: plain data, so the global setup can hand it to the test files. */
export interface RealClusterInfo {
  /** Kubeconfig YAML of a `system:masters` client certificate, credentials inline (fit for the action's input). */
  readonly adminKubeconfig: string;
  /** `https://127.0.0.1:6443` */
  readonly server: string;
  /** The GatewayClass that Envoy Gateway serves. */
  readonly gatewayClass: string;
  /** The components' logs, for failure messages. */
  readonly logDir: string;
  /** For Prometheus' pod discovery. */
  readonly discovery: KubernetesDiscovery;
}

/** Images of samples/app that the cluster's containerd holds (testenv/cluster/images.tsv), by behaviour. */
export const APP_IMAGES = appImages();

function appImages(): Readonly<Record<'healthy' | 'healthy-2' | 'regressed' | 'crashes', string>> {
  const tags = readFileSync(`${repoRoot}testenv/cluster/images.tsv`, 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('\t')[0] ?? '');
  const find = (behaviour: string): string => {
    const tag = tags.find((candidate) => candidate.endsWith(`:${behaviour}`));
    if (!tag) throw new Error(`testenv/cluster/images.tsv has no image for ${behaviour}`);
    return tag;
  };
  return {
    healthy: find('healthy'),
    'healthy-2': find('healthy-2'),
    regressed: find('regressed'),
    crashes: find('crashes'),
  };
}

/** The cluster's sandbox image (testenv/cluster/provision.sh builds it from pause.c): a container that only waits. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.6';
/**
 * serve.c (testenv/cluster/), which answers every request with 200 and starts at once, under a live and a candidate
 * name: for pods that only have to become ready (a Knative revision's, whose queue-proxy probes the user port, and
 * samples' live Deployments).
 */
export const SERVE_IMAGES = {
  live: 'shadowgate.test/serve:live',
  candidate: 'shadowgate.test/serve:candidate',
} as const;
/**
 * A Knative revision's readiness probe, probed every second: Knative's webhook gives it queue-proxy's TCP check of
 * the user port, and the kubelet asks queue-proxy every second instead of every 10 s (the default period), so a
 * revision is ready about 3 s after it is created instead of 11–14 s.
 */
export const FAST_READINESS = { periodSeconds: 1 };
/** The pause image under a name Knative does not resolve to a digest: a revision that starts and never serves. */
export const NEVER_SERVING_IMAGE = 'shadowgate.test/pause:3.6';
/** sh, sleep and curl of this machine: what the action's load Job (load-target job) needs. */
export const CURL_IMAGE = 'shadowgate.test/curl:host';
/** The node's address on the cluster's bridge, where pods reach the host (and the Gateways' Envoys). */
export const NODE_IP = '10.244.0.1';

/** Why this host cannot run the cluster, or undefined when it can. */
export function realClusterUnsupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'the real cluster needs root (containers, a bridge, iptables)';
  return undefined;
}

/**
 * Runs `cluster.sh start`: sweeps what a crashed run left, starts every component and waits for the node to be
 * Ready. `owner` is the process whose death stops the cluster (the watchdog's cue).
 */
export async function startRealCluster(owner = process.pid): Promise<RealClusterInfo> {
  await execFileAsync('bash', [CLUSTER_SH, 'start', '--owner', String(owner)], { maxBuffer: 1 << 20 });
  return runningClusterInfo();
}

/** The cluster running now, as its last start wrote it down (a restart makes new certificates). */
export function runningClusterInfo(): RealClusterInfo {
  const values = Object.fromEntries(
    readFileSync(INFO, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const file = values.KUBECONFIG ?? '';
  const config = parse(readFileSync(file, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority': string } }[];
    users: { user: { 'client-certificate': string; 'client-key': string } }[];
  };
  const caFile = config.clusters[0]?.cluster['certificate-authority'] ?? '';
  const certFile = config.users[0]?.user['client-certificate'] ?? '';
  const keyFile = config.users[0]?.user['client-key'] ?? '';
  const server = values.SERVER ?? '';
  const base64 = (path: string) => readFileSync(path).toString('base64');
  return {
    adminKubeconfig: kubeconfig(server, readFileSync(caFile, 'utf8'), 'admin', {
      'client-certificate-data': base64(certFile),
      'client-key-data': base64(keyFile),
    }),
    server,
    gatewayClass: values.GATEWAY_CLASS ?? '',
    logDir: values.LOG_DIR ?? '',
    discovery: { apiServer: server, caFile, certFile, keyFile },
  };
}

/**
 * Runs `cluster.sh knative` on the running cluster: installs Knative Serving 1.15 (its controller, webhook and
 * autoscaler as pods, built by testenv/knative/provision.sh) and waits until the webhook serves the API server.
 * Safe to repeat: a second call finds it installed and only waits. Resolves to the seconds it took.
 */
export async function startKnative(): Promise<number> {
  const started = Date.now();
  await execFileAsync('bash', [CLUSTER_SH, 'knative'], { maxBuffer: 1 << 20 });
  return (Date.now() - started) / 1000;
}

/**
 * Waits while a cluster whose owner is alive runs (`cluster.sh status`), e.g. another checkout's integration
 * suite: `cluster.sh stop` would take it away from under that run.
 */
export async function waitWhileOtherClusterRuns(timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const running = await execFileAsync('bash', [CLUSTER_SH, 'status']).then(
      () => true,
      () => false,
    );
    if (!running) return;
    if (Date.now() > deadline)
      throw new Error(`another run's cluster still runs after ${timeoutMs / 1000} s`);
    if (!said) console.log('testenv/cluster: waiting for the cluster another run owns to stop');
    said = true;
    await delay(5_000);
  }
}

/** Runs `cluster.sh stop`: every process, container, mount, chain and cgroup of the cluster gone. */
export async function stopRealCluster(): Promise<void> {
  await execFileAsync('bash', [CLUSTER_SH, 'stop']);
}

/** The cluster, with what tests do on it beyond the action's own API. */
export interface RealCluster extends RealClusterInfo {
  readonly admin: k8s.KubeConfig;
  /** A namespace with its default ServiceAccount (which the real controller-manager adds). */
  createNamespace(namespace: string): Promise<void>;
  /**
   * Deletes a namespace and waits until the namespace controller has removed it with everything in it, and until
   * the Envoys of its Gateways no longer listen on this host (they stop a moment after the Gateway goes).
   */
  deleteNamespace(namespace: string): Promise<void>;
  /**
   * Deletes the workloads of a namespace that the files leaving one make, its Knative Services and Deployments
   * (not bare Pods or Jobs), whose pods then go while other files run (Knative's drain for 30 s); its HTTPRoutes;
   * and its Gateways, waiting until their Envoys no longer listen on this host (another file's Gateway needs the
   * same port). The namespace itself, with what no controller acts on
   * (Roles, ServiceAccounts, VirtualServices), is left to the cluster's stop, which discards etcd's data: the
   * namespace controller's sweep of every resource type, for each of the suite's ~60 such namespaces, cost the
   * suite more CPU than anything else in their cleanup.
   */
  leaveNamespace(namespace: string): Promise<void>;
  /** Kubeconfig YAML for a new ServiceAccount bound to a Role with `access` rules, or to the Role `access.role`. */
  mintKubeconfig(namespace: string, access: k8s.V1PolicyRule[] | { role: string }): Promise<string>;
}

export function realCluster(info: RealClusterInfo): RealCluster {
  const admin = new k8s.KubeConfig();
  admin.loadFromString(info.adminKubeconfig);
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const custom = admin.makeApiClient(k8s.CustomObjectsApi);
  const caPem = Buffer.from(admin.getCurrentCluster()?.caData ?? '', 'base64').toString('utf8');
  const deleteKnativeServices = (namespace: string): Promise<boolean> =>
    custom
      .deleteCollectionNamespacedCustomObject({
        group: 'serving.knative.dev',
        version: 'v1',
        namespace,
        plural: 'services',
      })
      .then(
        () => true,
        () => false,
      );
  /**
   * Deletes a namespace's Gateways and waits until the host ports of those Envoy Gateway serves (the cluster's
   * GatewayClass; no Envoy runs for another class) refuse connections.
   */
  const deleteGateways = async (namespace: string): Promise<void> => {
    const gateways = { group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways' };
    const listed = (await custom.listNamespacedCustomObject(gateways)) as {
      items: { spec?: { gatewayClassName?: string; listeners?: { port: number }[] } }[];
    };
    const ports = new Set(
      listed.items
        .filter((gateway) => gateway.spec?.gatewayClassName === info.gatewayClass)
        .flatMap((gateway) => gateway.spec?.listeners?.map((l) => l.port) ?? []),
    );
    if (listed.items.length > 0) await custom.deleteCollectionNamespacedCustomObject(gateways);
    for (const port of ports)
      await until(
        `the Envoy of a Gateway in ${namespace} to stop listening on port ${port}`,
        60_000,
        async () => !(await listening(port)),
      );
  };
  return {
    ...info,
    admin,
    async createNamespace(namespace) {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await until(`ServiceAccount default in ${namespace}`, 30_000, async () => {
        const accounts = await core.listNamespacedServiceAccount({ namespace });
        return accounts.items.some((account) => account.metadata?.name === 'default');
      });
    },
    async leaveNamespace(namespace) {
      const apps = admin.makeApiClient(k8s.AppsV1Api);
      const httpRoutes = {
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace,
        plural: 'httproutes',
      };
      await Promise.all([
        deleteKnativeServices(namespace),
        apps.deleteCollectionNamespacedDeployment({ namespace }),
        custom.deleteCollectionNamespacedCustomObject(httpRoutes),
        deleteGateways(namespace),
      ]);
    },
    async deleteNamespace(namespace) {
      await deleteGateways(namespace);
      // Kubernetes deletes a namespace's pods first and looks again only after half their grace period, which
      // for Knative's pods is the revision timeout (300 s): with Knative's Services deleted first and their pods
      // gone, the namespace goes at once.
      if (await deleteKnativeServices(namespace)) {
        await until(`the Knative pods in ${namespace} gone`, 120_000, async () => {
          const pods = await core.listNamespacedPod({
            namespace,
            labelSelector: 'serving.knative.dev/service',
          });
          return pods.items.length === 0;
        });
      }
      try {
        await core.deleteNamespace({ name: namespace });
      } catch (error) {
        if (error instanceof k8s.ApiException && error.code === 404) return;
        throw error;
      }
      await until(`namespace ${namespace} deleted`, 120_000, async () => {
        try {
          await core.readNamespace({ name: namespace });
          return false;
        } catch (error) {
          if (error instanceof k8s.ApiException && error.code === 404) return true;
          throw error;
        }
      });
    },
    mintKubeconfig: (namespace, access) =>
      mintServiceAccountKubeconfig(admin, info.server, caPem, namespace, access),
  };
}

/** Whether something on this host accepts TCP connections on `port` of 127.0.0.1. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(200);
  }
}

/** Waits until the kubelet reports pod `name` Ready, and resolves to the pod as it then is. */
export async function readyPod(api: KubeApi, namespace: string, name: string): Promise<k8s.V1Pod> {
  let pod: k8s.V1Pod | undefined;
  await until(`pod ${name} ready`, 60_000, async () => {
    pod = await api.read<k8s.V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace, name });
    return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
  return pod as k8s.V1Pod;
}
