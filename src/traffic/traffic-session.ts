import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../core/configuration-error.js';
import type { MirroredExchanges } from '../core/mirrored-exchanges.js';
import type { LoadConfig, TrafficConfig } from '../core/traffic-config.js';
import type {
  CompareSummary,
  LoadSummary,
  MirrorSummary,
  ReplaySummary,
  TrafficSummary,
} from '../core/traffic-summary.js';
import { LoadGenerator } from './load-generator.js';
import type { ProcessRegistry } from './local-process.js';
import { type RunningTarget, startLocalTarget } from './local-target.js';
import { MirrorProxy } from './mirror-proxy.js';
import { loadReplay } from './replay/replay-file.js';
import {
  constantRate,
  type RequestSchedule,
  replayAtRate,
  replayAtRecordedPace,
} from './request-schedule.js';
import { loadSummary, mirrorSummary } from './traffic-summary.js';

export interface TrafficSession {
  /** What the mirroring proxy measured; present with `mirror: builtin`. */
  readonly exchanges?: MirroredExchanges;
  /** Stops the load, the proxy and the started commands; resolves to what the load and the proxy did. */
  stop(): Promise<TrafficSummary>;
}

export interface TrafficDependencies {
  readonly log: (line: string) => void;
  /** Epoch ms; the clock the evaluation windows use. */
  readonly now: () => number;
  readonly signal?: AbortSignal;
  /** Told of the local versions' process groups as they start and stop (the action saves them for its post step). */
  readonly processes?: ProcessRegistry;
}

/**
 * Starts Shadowgate's own traffic in order: the local versions, the mirroring proxy, then the load. A recording to
 * replay is read first, so a file with nothing usable fails the run before anything is started.
 */
export async function startTraffic(
  config: TrafficConfig,
  deps: TrafficDependencies,
): Promise<TrafficSession> {
  const { log } = deps;
  const planned = config.load ? loadSchedule(config.load) : undefined;
  const stops: (() => Promise<void>)[] = [];
  let load: LoadSummary | undefined;
  let mirror: MirrorSummary | undefined;
  let compare: CompareSummary | undefined;
  const stopAll = async (): Promise<TrafficSummary> => {
    for (const stop of [...stops].reverse()) await stop();
    return { ...(load ? { load } : {}), ...(mirror ? { mirror } : {}), ...(compare ? { compare } : {}) };
  };
  try {
    const targetOptions = {
      startTimeoutMs: config.startTimeoutMs,
      log,
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.processes ? { processes: deps.processes } : {}),
    };
    const started = await Promise.allSettled(
      (['live', 'dark', 'liveReplica'] as const).map((version) => {
        const target = config[version];
        return target
          ? startLocalTarget(version === 'liveReplica' ? 'live-replica' : version, target, targetOptions)
          : Promise.resolve(undefined);
      }),
    );
    for (const outcome of started)
      if (outcome.status === 'fulfilled' && outcome.value) stops.push(outcome.value.stop);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const [live, dark, replica] = started.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : undefined,
    ) as [RunningTarget | undefined, RunningTarget | undefined, RunningTarget | undefined];

    let proxy: MirrorProxy | undefined;
    if (config.mirror.kind === 'builtin' && live && dark) {
      const { percent, unsafeMethods, port, compare: compareConfig } = config.mirror;
      const mirrorProxy = await MirrorProxy.start({
        liveUrl: live.url,
        darkUrl: dark.url,
        ...(replica ? { replicaUrl: replica.url } : {}),
        ...(compareConfig ? { compare: compareConfig } : {}),
        percent,
        unsafeMethods,
        port,
        timeoutMs: config.requestTimeoutMs,
        now: deps.now,
      });
      proxy = mirrorProxy;
      stops.push(async () => {
        await mirrorProxy.close();
        mirror = mirrorSummary(mirrorProxy.stats, percent);
        const codes = mirrorProxy.log.codes();
        compare = compareConfig
          ? mirrorProxy.log.book?.summary(codes.dark, codes.replica, compareConfig.maxBodyBytes)
          : undefined;
      });
      log(
        `Mirroring proxy on ${mirrorProxy.url}: every request to live (${live.url}), ${percent}% to dark (${dark.url})` +
          `${replica ? ` and to the live replica (${replica.url})` : ''}` +
          `${unsafeMethods ? '' : '; POST, PUT, PATCH and DELETE not mirrored'}` +
          `${compareConfig ? '; answers compared with live' : ''}`,
      );
    }

    if (config.load && planned) {
      const url = config.load.url ?? proxy?.url;
      if (url === undefined) throw new Error('the load generator has no target: set load-url');
      const { schedule, replay, description } = planned;
      const generator = new LoadGenerator({
        url,
        schedule,
        concurrency: config.load.concurrency,
        timeoutMs: config.requestTimeoutMs,
      });
      generator.start();
      const { portForward } = config.load;
      const target = portForward
        ? `${url} (port-forward to Service "${portForward.service}" in namespace "${portForward.namespace}")`
        : url;
      stops.push(async () => {
        const summary = loadSummary(await generator.stop(), target);
        load = replay ? { ...summary, replay } : summary;
      });
      log(`Load: ${description} (open model, at most ${config.load.concurrency} in flight), to ${url}`);
      for (const problem of replay?.badExamples ?? []) log(`Load: ${replay?.file} ${problem}`);
    }
    return { ...(proxy ? { exchanges: proxy.log } : {}), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The load's schedule: weighted templates at load-rate, or a recording at load-rate or at its recorded pace. */
function loadSchedule(load: LoadConfig): {
  schedule: RequestSchedule;
  replay?: ReplaySummary;
  description: string;
} {
  const rate = load.ratePerSecond;
  if (!load.replay) {
    if (rate === undefined) throw new Error('a load without a replay needs a rate');
    return {
      schedule: constantRate(rate, load.requests),
      description: `${rate} requests/s, ${load.requests.length} kind(s) of request`,
    };
  }
  let text: string;
  try {
    text = readFileSync(load.replay.path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      'load-replay',
      `cannot read ${load.replay.path}: ${error instanceof Error ? error.message : String(error)}`,
      'load-replay: .github/shadowgate/traffic.har',
    );
  }
  const replay = loadReplay(load.replay, text, rate === undefined);
  const { summary } = replay;
  const left = [
    ...Object.entries(summary.skipped).map(([reason, count]) => `${count} skipped: ${reason}`),
    ...(summary.bad > 0 ? [`${summary.bad} unreadable`] : []),
  ];
  const what = `replay of ${summary.requests} request(s) from ${summary.file}, read as ${summary.format}${left.length ? ` (${left.join(', ')})` : ''}`;
  if (rate !== undefined)
    return {
      schedule: replayAtRate(rate, replay.requests),
      replay: summary,
      description: `${rate} requests/s, ${what}`,
    };
  const schedule = replayAtRecordedPace(replay.requests, replay.offsetsMs ?? []);
  return {
    schedule,
    replay: summary,
    description: `recorded pace (${schedule.ratePerSecond.toFixed(1)} requests/s on average), ${what}`,
  };
}
