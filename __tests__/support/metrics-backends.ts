import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  freePort,
  type PrometheusBinary,
  type PrometheusServer,
  prometheusBinaries,
  scrapedTargets,
  startPrometheus,
} from './prometheus-server.js';
import { type ServiceProcess, spawnService, waitUntil } from './service-process.js';

/**
 * The Prometheus-compatible backends the verdict tests run against, each holding what one real Prometheus 3
 * scrapes from the fake pods: Prometheus itself (2.42 and 3.x), a Thanos querier over that Prometheus's sidecar,
 * multi-tenant Cortex and VictoriaMetrics single-node, both fed by that Prometheus's remote write. Every backend
 * is built by testenv/<name>/provision.sh at the version its go.mod pins.
 */
export type BackendKind = 'prometheus' | 'thanos' | 'cortex' | 'victoriametrics';

export interface BackendSpec {
  readonly name: string;
  readonly kind: BackendKind;
  /** The Prometheus binary: the one queried, or the one scraping for the backend. */
  readonly prometheus: PrometheusBinary;
  /** The backend's own binary, for the kinds other than prometheus. */
  readonly binary?: string;
}

export interface MetricsBackend {
  readonly spec: BackendSpec;
  /** The base URL Shadowgate's prometheus-url takes. */
  readonly url: string;
  /** Headers every query needs (the tenant, for Cortex). */
  readonly headers: Readonly<Record<string, string>>;
  /** The Prometheus that scrapes the pods: the backend itself, or the one feeding it. */
  readonly scraper: PrometheusServer;
  /**
   * Resolves once the backend holds every sample the scraper had at `timeMs` (remote write and the sidecar lag
   * the scrapes by a moment), so a query at `timeMs` sees the same data on every backend.
   */
  settled(timeMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** The tenant the tests write and read as, passed with X-Scope-OrgID as Mimir and Cortex want it. */
export const TENANT = 'shadowgate-test';

const cache = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'shadowgate', 'testenv');

/** The version a testenv part's go.mod pins for `module`. */
function pinnedVersion(part: string, module: string): string {
  const goMod = readFileSync(new URL(`../../testenv/${part}/go.mod`, import.meta.url), 'utf8');
  const version = goMod.match(new RegExp(`^require ${module.replace(/\./g, '\\.')} (v\\S+)$`, 'm'))?.[1];
  if (!version) throw new Error(`testenv/${part}/go.mod does not require ${module}`);
  return version;
}

function cachedBinary(part: string, module: string, name: string): { version: string; path: string } {
  const version = pinnedVersion(part, module);
  return { version, path: join(cache(), `${name}-${version}`, name) };
}

/** Every backend, Prometheus 2.42 and 3.x first. */
export function metricsBackends(): BackendSpec[] {
  const [debian, prometheus3] = prometheusBinaries() as [PrometheusBinary, PrometheusBinary];
  const thanos = cachedBinary('thanos', 'github.com/thanos-io/thanos', 'thanos');
  const cortex = cachedBinary('cortex', 'github.com/cortexproject/cortex', 'cortex');
  const vm = cachedBinary(
    'victoriametrics',
    'github.com/VictoriaMetrics/VictoriaMetrics',
    'victoria-metrics',
  );
  return [
    { name: debian.name, kind: 'prometheus', prometheus: debian },
    { name: prometheus3.name, kind: 'prometheus', prometheus: prometheus3 },
    {
      name: `Thanos ${thanos.version} (querier over a sidecar)`,
      kind: 'thanos',
      prometheus: prometheus3,
      binary: thanos.path,
    },
    {
      name: `Cortex ${cortex.version} (monolithic, multi-tenant)`,
      kind: 'cortex',
      prometheus: prometheus3,
      binary: cortex.path,
    },
    {
      name: `VictoriaMetrics ${vm.version} (single-node)`,
      kind: 'victoriametrics',
      prometheus: prometheus3,
      binary: vm.path,
    },
  ];
}

/** Starts a backend over fake pods at `targets` and waits until it answers with all of them. */
export async function startBackend(spec: BackendSpec, targets: readonly string[]): Promise<MetricsBackend> {
  if (spec.binary !== undefined && !existsSync(spec.binary)) {
    throw new Error(`${spec.name} is not at ${spec.binary}; run testenv/${spec.kind}/provision.sh first`);
  }
  switch (spec.kind) {
    case 'prometheus': {
      const scraper = await startPrometheus({ binary: spec.prometheus, targets });
      return {
        spec,
        url: scraper.url,
        headers: {},
        scraper,
        settled: async () => {},
        stop: () => scraper.stop(),
      };
    }
    case 'thanos':
      return startThanos(spec, targets);
    case 'cortex':
      return startRemoteWritten(spec, targets, startCortex);
    case 'victoriametrics':
      return startRemoteWritten(spec, targets, startVictoriaMetrics);
  }
}

interface Started {
  readonly services: readonly ServiceProcess[];
  readonly dir: string;
}

async function stopAll(started: Started, scraper?: PrometheusServer): Promise<void> {
  await scraper?.stop();
  for (const service of [...started.services].reverse()) await service.stop();
  await rm(started.dir, { recursive: true, force: true });
}

/** Labels on the scraper that a Thanos sidecar requires. */
const EXTERNAL_LABELS = { cluster: 'test', replica: 'a' };

async function startThanos(spec: BackendSpec, targets: readonly string[]): Promise<MetricsBackend> {
  const scraper = await startPrometheus({
    binary: spec.prometheus,
    targets,
    externalLabels: EXTERNAL_LABELS,
  });
  const dir = await mkdtemp(join(tmpdir(), 'shadowgate-thanos-'));
  const thanos = await thanosOver(spec, scraper, dir);
  const started = { services: thanos.services, dir };
  return ready(spec, scraper, thanos, targets.length, () => stopAll(started, scraper));
}

/** A sidecar on the scraper's TSDB and a querier over the sidecar. */
async function thanosOver(spec: BackendSpec, scraper: PrometheusServer, dir: string): Promise<Served> {
  const binary = spec.binary as string;
  const [sidecarGrpc, sidecarHttp, queryGrpc, queryHttp] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const sidecar = spawnService(
    `${spec.name} sidecar`,
    binary,
    [
      'sidecar',
      `--prometheus.url=${scraper.url}`,
      `--tsdb.path=${scraper.dataDir}`,
      `--grpc-address=127.0.0.1:${sidecarGrpc}`,
      `--http-address=127.0.0.1:${sidecarHttp}`,
      '--log.level=warn',
    ],
    dir,
  );
  const querier = spawnService(
    `${spec.name} querier`,
    binary,
    [
      'query',
      `--endpoint=127.0.0.1:${sidecarGrpc}`,
      `--grpc-address=127.0.0.1:${queryGrpc}`,
      `--http-address=127.0.0.1:${queryHttp}`,
      '--log.level=warn',
    ],
    dir,
  );
  return { services: [querier, sidecar], query: { url: `http://127.0.0.1:${queryHttp}`, headers: {} } };
}

/** Starts a backend fed by remote write, then the Prometheus that scrapes the pods and writes to it. */
async function startRemoteWritten(
  spec: BackendSpec,
  targets: readonly string[],
  start: (spec: BackendSpec, dir: string) => Promise<RemoteWritten>,
): Promise<MetricsBackend> {
  const dir = await mkdtemp(join(tmpdir(), `shadowgate-${spec.kind}-`));
  const backend = await start(spec, dir);
  const started = { services: backend.services, dir };
  let scraper: PrometheusServer;
  try {
    scraper = await startPrometheus({
      binary: spec.prometheus,
      targets,
      remoteWrite: [{ url: backend.writeUrl, headers: backend.query.headers }],
    });
  } catch (error) {
    await stopAll(started);
    throw error;
  }
  return ready(spec, scraper, backend, targets.length, () => stopAll(started, scraper));
}

/** A backend's processes (the one that answers queries first) and how to query it. */
interface Served {
  readonly services: readonly ServiceProcess[];
  readonly query: { readonly url: string; readonly headers: Readonly<Record<string, string>> };
}

interface RemoteWritten extends Served {
  readonly writeUrl: string;
}

async function startCortex(spec: BackendSpec, dir: string): Promise<RemoteWritten> {
  const [http, grpc] = await Promise.all([freePort(), freePort()]);
  const inMemoryRing = { kvstore: { store: 'inmemory' } };
  // After Cortex's single-process blocks config (docs/configuration/single-process-config-blocks-local.yaml), with
  // multi-tenancy on, on loopback ports, ready at once.
  const config = {
    auth_enabled: true,
    server: {
      http_listen_address: '127.0.0.1',
      http_listen_port: http,
      grpc_listen_address: '127.0.0.1',
      grpc_listen_port: grpc,
      log_level: 'warn',
    },
    distributor: { shard_by_all_labels: true, ring: { instance_addr: '127.0.0.1', ...inMemoryRing } },
    ingester: {
      lifecycler: {
        address: '127.0.0.1',
        min_ready_duration: '0s',
        final_sleep: '0s',
        join_after: '0s',
        ring: { ...inMemoryRing, replication_factor: 1 },
      },
    },
    blocks_storage: {
      backend: 'filesystem',
      filesystem: { dir: join(dir, 'blocks') },
      tsdb: { dir: join(dir, 'tsdb') },
      bucket_store: { sync_dir: join(dir, 'tsdb-sync') },
    },
    store_gateway: { sharding_ring: { instance_addr: '127.0.0.1', replication_factor: 1, ...inMemoryRing } },
    frontend_worker: { match_max_concurrent: true },
    querier: { store_gateway_addresses: `127.0.0.1:${grpc}` },
  };
  await writeFile(join(dir, 'cortex.yaml'), JSON.stringify(config, null, 2));
  const service = spawnService(
    spec.name,
    spec.binary as string,
    // The modules that ingest and answer queries; the ruler, Alertmanager and compactor have no part in it.
    ['-config.file=cortex.yaml', '-target=distributor,ingester,querier,query-frontend,store-gateway'],
    dir,
  );
  const base = `http://127.0.0.1:${http}`;
  await waitUntil(`${spec.name} ready`, service, async () => (await fetch(`${base}/ready`)).ok).catch(
    async (error: Error) => {
      await service.stop();
      throw new Error(`${error.message}\n--- output ---\n${service.output()}`);
    },
  );
  return {
    services: [service],
    writeUrl: `${base}/api/v1/push`,
    query: { url: `${base}/prometheus`, headers: { 'X-Scope-OrgID': TENANT } },
  };
}

async function startVictoriaMetrics(spec: BackendSpec, dir: string): Promise<RemoteWritten> {
  const port = await freePort();
  const service = spawnService(
    spec.name,
    spec.binary as string,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, 'data')}`,
      '-retentionPeriod=1d',
      '-loggerLevel=WARN',
    ],
    dir,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(`${spec.name} ready`, service, async () => (await fetch(`${base}/health`)).ok).catch(
    async (error: Error) => {
      await service.stop();
      throw new Error(`${error.message}\n--- output ---\n${service.output()}`);
    },
  );
  return { services: [service], writeUrl: `${base}/api/v1/write`, query: { url: base, headers: {} } };
}

/** The backend once it answers for every target; `stop` stops what it runs on. */
async function ready(
  spec: BackendSpec,
  scraper: PrometheusServer,
  served: Served,
  targets: number,
  stop: () => Promise<void>,
): Promise<MetricsBackend> {
  const backend: MetricsBackend = {
    spec,
    ...served.query,
    scraper,
    settled: (timeMs) => settled(backend, timeMs),
    stop,
  };
  // The scraper itself (no services of its own) is ready once started.
  const [answering] = served.services;
  try {
    if (answering) {
      await waitUntil(
        `${spec.name} answering for all ${targets} targets`,
        answering,
        async () => (await scrapedTargets(backend.url, backend.headers, NOW)) === targets,
      );
    }
  } catch (error) {
    const output = served.services.map((s) => `--- ${s.name} ---\n${s.output()}`).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return backend;
}

/**
 * Prometheus 3, Thanos, Cortex and VictoriaMetrics over one scraper, so that all four hold the very same
 * samples and their answers can be compared. `stop` stops them all.
 */
export async function startSharedBackends(
  targets: readonly string[],
): Promise<{ readonly backends: readonly MetricsBackend[]; stop(): Promise<void> }> {
  const specs = metricsBackends().slice(1);
  const [prometheus3, thanos, cortex, vm] = specs as [BackendSpec, BackendSpec, BackendSpec, BackendSpec];
  const dir = await mkdtemp(join(tmpdir(), 'shadowgate-backends-'));
  const started: { services: ServiceProcess[]; dir: string } = { services: [], dir };
  let scraper: PrometheusServer | undefined;
  const stop = () => stopAll(started, scraper);
  try {
    const written: RemoteWritten[] = [];
    for (const [spec, start] of [
      [cortex, startCortex],
      [vm, startVictoriaMetrics],
    ] as const) {
      await mkdir(join(dir, spec.kind));
      const backend = await start(spec, join(dir, spec.kind));
      started.services.push(...backend.services);
      written.push(backend);
    }
    scraper = await startPrometheus({
      binary: prometheus3.prometheus,
      targets,
      externalLabels: EXTERNAL_LABELS,
      remoteWrite: written.map(({ writeUrl, query }) => ({ url: writeUrl, headers: query.headers })),
    });
    const querier = await thanosOver(thanos, scraper, dir);
    started.services.push(...querier.services);
    const own: Served = { services: [], query: { url: scraper.url, headers: {} } };
    const backends: MetricsBackend[] = [];
    for (const [spec, served] of [
      [prometheus3, own],
      [thanos, querier],
      [cortex, written[0]],
      [vm, written[1]],
    ] as const) {
      backends.push(await ready(spec, scraper, served as Served, targets.length, stop));
    }
    return { backends, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Asks VictoriaMetrics not to move a query at "now" back by its -search.latencyOffset (30 s by default), so the
 * harness sees what was just written; the other backends ignore the arg.
 */
const NOW = { nocache: '1' };

/** The time of the newest scrape a backend holds at `timeMs`, in seconds. */
async function newestScrape(url: string, headers: Readonly<Record<string, string>>, timeMs: number) {
  const form = new URLSearchParams({
    query: 'max(timestamp(up{job="exporter"}))',
    time: (timeMs / 1000).toFixed(3),
    ...NOW,
  });
  const response = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

async function settled(backend: MetricsBackend, timeMs: number): Promise<void> {
  const expected = await newestScrape(backend.scraper.url, {}, timeMs);
  const deadline = Date.now() + 30_000;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = await newestScrape(backend.url, backend.headers, timeMs);
    if (seen >= expected) return;
    await delay(250);
  }
  throw new Error(
    `${backend.spec.name}'s newest scrape at ${timeMs} is from ${seen}, the scraper's from ${expected}`,
  );
}
