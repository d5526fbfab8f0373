import type { MirroredExchanges } from '../core/mirrored-exchanges.js';
import type { TrafficConfig } from '../core/traffic-config.js';
import type { LoadSummary, MirrorSummary, TrafficSummary } from '../core/traffic-summary.js';
import { LoadGenerator } from './load-generator.js';
import { type RunningTarget, startLocalTarget } from './local-target.js';
import { MirrorProxy } from './mirror-proxy.js';
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
}

/** Starts Shadowgate's own traffic in order: the local versions, the mirroring proxy, then the load. */
export async function startTraffic(
  config: TrafficConfig,
  deps: TrafficDependencies,
): Promise<TrafficSession> {
  const { log } = deps;
  const stops: (() => Promise<void>)[] = [];
  let load: LoadSummary | undefined;
  let mirror: MirrorSummary | undefined;
  const stopAll = async (): Promise<TrafficSummary> => {
    for (const stop of [...stops].reverse()) await stop();
    return { ...(load ? { load } : {}), ...(mirror ? { mirror } : {}) };
  };
  try {
    const targetOptions = {
      startTimeoutMs: config.startTimeoutMs,
      log,
      ...(deps.signal ? { signal: deps.signal } : {}),
    };
    const started = await Promise.allSettled(
      (['live', 'dark'] as const).map((version) => {
        const target = config[version];
        return target ? startLocalTarget(version, target, targetOptions) : Promise.resolve(undefined);
      }),
    );
    for (const outcome of started)
      if (outcome.status === 'fulfilled' && outcome.value) stops.push(outcome.value.stop);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const [live, dark] = started.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : undefined,
    ) as [RunningTarget | undefined, RunningTarget | undefined];

    let proxy: MirrorProxy | undefined;
    if (config.mirror.kind === 'builtin' && live && dark) {
      const { percent, unsafeMethods, port } = config.mirror;
      const mirrorProxy = await MirrorProxy.start({
        liveUrl: live.url,
        darkUrl: dark.url,
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
      });
      log(
        `Mirroring proxy on ${mirrorProxy.url}: every request to live (${live.url}), ${percent}% to dark (${dark.url})` +
          `${unsafeMethods ? '' : '; POST, PUT, PATCH and DELETE not mirrored'}`,
      );
    }

    if (config.load) {
      const url = config.load.url ?? proxy?.url;
      if (url === undefined) throw new Error('the load generator has no target: set load-url');
      const generator = new LoadGenerator({
        url,
        ratePerSecond: config.load.ratePerSecond,
        concurrency: config.load.concurrency,
        requests: config.load.requests,
        timeoutMs: config.requestTimeoutMs,
      });
      generator.start();
      const { portForward } = config.load;
      const target = portForward
        ? `${url} (port-forward to Service "${portForward.service}" in namespace "${portForward.namespace}")`
        : url;
      stops.push(async () => {
        load = loadSummary(await generator.stop(), target);
      });
      log(
        `Load: ${config.load.ratePerSecond} requests/s (open model, at most ${config.load.concurrency} in flight), ` +
          `${config.load.requests.length} kind(s) of request, to ${url}`,
      );
    }
    return { ...(proxy ? { exchanges: proxy.log } : {}), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
