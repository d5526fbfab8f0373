import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, waitUntil } from './service-process.js';

/** A Prometheus binary the integration tests run against. */
export interface PrometheusBinary {
  readonly name: string;
  readonly path: string;
}

const PROVISION = 'testenv/prometheus/provision.sh';

/** Debian's 2.42 and the 3.x that `testenv/prometheus/provision.sh` builds from the pinned Go module. */
export function prometheusBinaries(): PrometheusBinary[] {
  const goMod = readFileSync(new URL('../../testenv/prometheus/go.mod', import.meta.url), 'utf8');
  const moduleVersion = /^require github\.com\/prometheus\/prometheus v0\.(\d)(\d+)\.(\d+)$/m.exec(goMod);
  if (!moduleVersion)
    throw new Error('testenv/prometheus/go.mod does not require github.com/prometheus/prometheus');
  const [, major, minor, patch] = moduleVersion;
  const version = `${major}.${Number(minor)}.${patch}`;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return [
    { name: 'Prometheus 2.42 (Debian)', path: '/usr/bin/prometheus' },
    {
      name: `Prometheus ${version}`,
      path: join(cache, 'shadowgate', 'testenv', `prometheus-${version}`, 'prometheus'),
    },
  ];
}

export interface PrometheusServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its TSDB directory (a Thanos sidecar reads it). */
  readonly dataDir: string;
  /** Replaces the scraped targets (`host:port`), e.g. as pods come and go; Prometheus notices within a second. */
  setTargets(targets: readonly string[]): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/** Where a Prometheus forwards what it scrapes, with the headers each request carries. */
export interface RemoteWrite {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PrometheusServerOptions {
  readonly binary: PrometheusBinary;
  /** `host:port` of each target, scraped every second as job `exporter` (until `setTargets`). */
  readonly targets: readonly string[];
  /** Labels that identify this Prometheus to Thanos (its sidecar requires some). */
  readonly externalLabels?: Readonly<Record<string, string>>;
  readonly remoteWrite?: readonly RemoteWrite[];
  /** Also scrape, as job `pods`, every container port named `http` of the pods this API server runs. */
  readonly kubernetesPods?: KubernetesDiscovery;
}

/** How Prometheus reaches an API server to discover pods, as a client certificate's files. */
export interface KubernetesDiscovery {
  readonly apiServer: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Starts Prometheus on a free 127.0.0.1 port with its own config and data, and waits for its first scrape. */
export async function startPrometheus(options: PrometheusServerOptions): Promise<PrometheusServer> {
  const { binary, targets } = options;
  if (!existsSync(binary.path)) {
    throw new Error(`${binary.name} is not at ${binary.path}; run ${PROVISION} first`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'shadowgate-prometheus-'));
  const port = await freePort();
  const config = {
    global: {
      scrape_interval: '1s',
      scrape_timeout: '1s',
      evaluation_interval: '1s',
      ...(options.externalLabels ? { external_labels: options.externalLabels } : {}),
    },
    scrape_configs: [
      // File discovery, so targets can change while it runs (Prometheus watches the file).
      { job_name: 'exporter', file_sd_configs: [{ files: ['targets.json'], refresh_interval: '1s' }] },
      ...(options.kubernetesPods ? [podsJob(options.kubernetesPods)] : []),
    ],
    remote_write: (options.remoteWrite ?? []).map(({ url, headers }) => ({
      url,
      ...(headers ? { headers } : {}),
      // Sent within a fraction of a second, so the backends behind it lag the scrapes as little as they can.
      queue_config: { batch_send_deadline: '200ms', min_backoff: '50ms', max_backoff: '1s' },
      metadata_config: { send: false },
    })),
  };
  // JSON is YAML.
  await writeFile(join(dir, 'prometheus.yml'), `${JSON.stringify(config, null, 2)}\n`);
  const setTargets = async (next: readonly string[]) => {
    // Written whole and renamed, so Prometheus never reads half a file.
    await writeFile(join(dir, 'targets.next.json'), JSON.stringify([{ targets: next }]));
    await rename(join(dir, 'targets.next.json'), join(dir, 'targets.json'));
  };
  await setTargets(targets);

  const dataDir = join(dir, 'data');
  const child = spawnService(
    binary.name,
    binary.path,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    dir,
  );
  const server: PrometheusServer = {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    setTargets,
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil(`${binary.name} ready and scraping ${targets.length} targets`, child, async () => {
      if (!(await fetch(`${server.url}/-/ready`)).ok) return false;
      return targets.length === 0 || (await scrapedTargets(server.url)) === targets.length;
    });
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- prometheus output ---\n${child.output()}`);
  }
  return server;
}

/** How many `exporter` targets the Prometheus API at `url` reports up, with these headers and URL args. */
export async function scrapedTargets(
  url: string,
  headers: Readonly<Record<string, string>> = {},
  args: Readonly<Record<string, string>> = {},
): Promise<number> {
  const query = new URLSearchParams({ query: 'sum(up{job="exporter"})', ...args });
  const response = await fetch(`${url}/api/v1/query?${query}`, { headers });
  const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

/** Pods found through the API server (as Istio's Prometheus finds the sidecars), at their pod IP. */
function podsJob(discovery: KubernetesDiscovery) {
  return {
    job_name: 'pods',
    kubernetes_sd_configs: [
      {
        role: 'pod',
        api_server: discovery.apiServer,
        tls_config: { ca_file: discovery.caFile, cert_file: discovery.certFile, key_file: discovery.keyFile },
      },
    ],
    relabel_configs: [
      // samples/app's port; in a Knative revision's pod Knative names it user-port, and queue-proxy serves the
      // revision's request metrics on http-usermetric.
      {
        source_labels: ['__meta_kubernetes_pod_container_port_name'],
        regex: 'http|user-port|http-usermetric',
        action: 'keep',
      },
    ],
  };
}

/** A port that was free a moment ago (the OS picks it; the small race is acceptable in tests). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}
