import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

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
  /** Replaces the scraped targets (`host:port`), e.g. as pods come and go; Prometheus notices within a second. */
  setTargets(targets: readonly string[]): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

export interface PrometheusServerOptions {
  readonly binary: PrometheusBinary;
  /** `host:port` of each target, scraped every second as job `exporter` (until `setTargets`). */
  readonly targets: readonly string[];
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

const running = new Set<ChildProcess>();
// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/** Starts Prometheus on a free 127.0.0.1 port with its own config and data, and waits for its first scrape. */
export async function startPrometheus(options: PrometheusServerOptions): Promise<PrometheusServer> {
  const { binary, targets } = options;
  if (!existsSync(binary.path)) {
    throw new Error(`${binary.name} is not at ${binary.path}; run ${PROVISION} first`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'shadowgate-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: exporter',
    // File discovery, so targets can change while it runs (Prometheus watches the file).
    '    file_sd_configs:',
    '      - files: [targets.json]',
    '        refresh_interval: 1s',
    ...(options.kubernetesPods ? podsJob(options.kubernetesPods) : []),
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), `${config}\n`);
  const setTargets = async (next: readonly string[]) => {
    // Written whole and renamed, so Prometheus never reads half a file.
    await writeFile(join(dir, 'targets.next.json'), JSON.stringify([{ targets: next }]));
    await rename(join(dir, 'targets.next.json'), join(dir, 'targets.json'));
  };
  await setTargets(targets);

  let output = '';
  const child = spawn(
    binary.path,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const server: PrometheusServer = {
    url: `http://127.0.0.1:${port}`,
    setTargets,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), delay(10_000, false)]);
        if (!stopped) {
          killGroup(child, 'SIGKILL');
          await exited;
        }
      }
      running.delete(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil(`${binary.name} ready and scraping ${targets.length} targets`, exited, async () => {
      if (!(await fetch(`${server.url}/-/ready`)).ok) return false;
      if (targets.length === 0) return true;
      const up = await fetch(
        `${server.url}/api/v1/query?query=${encodeURIComponent('sum(up{job="exporter"})')}`,
      );
      const body = (await up.json()) as { data?: { result?: { value: [number, string] }[] } };
      return Number(body.data?.result?.[0]?.value[1]) === targets.length;
    });
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- prometheus output ---\n${output}`);
  }
  return server;
}

/** Pods found through the API server (as Istio's Prometheus finds the sidecars), at their pod IP. */
function podsJob(discovery: KubernetesDiscovery): string[] {
  return [
    '  - job_name: pods',
    '    kubernetes_sd_configs:',
    '      - role: pod',
    `        api_server: ${discovery.apiServer}`,
    '        tls_config:',
    `          ca_file: ${discovery.caFile}`,
    `          cert_file: ${discovery.certFile}`,
    `          key_file: ${discovery.keyFile}`,
    '    relabel_configs:',
    '      - source_labels: [__meta_kubernetes_pod_container_port_name]',
    '        regex: http',
    '        action: keep',
  ];
}

async function waitUntil(what: string, exited: Promise<void>, check: () => Promise<boolean>): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`Prometheus exited before being ${what}`);
    if (await check().catch(() => false)) return;
    await delay(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
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
