import { ConfigurationError } from '../core/configuration-error.js';
import type { Objective } from '../core/model.js';
import type { LocalTargetConfig, TrafficConfig } from '../core/traffic-config.js';
import type { ExperimentSettings } from './experiment-settings.js';
import { requestTemplates } from './traffic-values.js';

type Defaulted = ExperimentSettings & Required<Pick<ExperimentSettings, 'metrics'>>;

/**
 * The traffic part of a run, from defaulted settings: undefined when Shadowgate makes no traffic itself.
 * Checks the settings against each other: builtin metrics need the builtin proxy, the proxy needs both
 * versions, and the load needs a target.
 */
export function resolveTraffic(
  settings: Defaulted,
  objectives: readonly Objective[],
): TrafficConfig | undefined {
  const { metrics } = settings;
  const mirror = settings.mirror ?? (metrics === 'builtin' ? 'builtin' : 'none');
  if (metrics === 'builtin') {
    if (mirror !== 'builtin') {
      throw new ConfigurationError(
        'mirror',
        'metrics builtin is measured by the builtin mirroring proxy, so mirror must be builtin',
        'mirror: builtin',
      );
    }
    const custom = objectives.find((objective) => objective.metric.kind === 'custom');
    if (custom) {
      throw new ConfigurationError(
        'objectives',
        `"${custom.text}": metrics builtin measures mean-latency, pNN-latency, error-rate and request-count; custom metrics need metrics: prometheus`,
        'p95-latency < 100ms',
      );
    }
  }
  const live = localTarget(settings.liveUrl, settings.liveCommand);
  const dark = localTarget(settings.darkUrl, settings.darkCommand);
  if (mirror === 'builtin') {
    for (const [version, target] of [
      ['live', live],
      ['dark', dark],
    ] as const) {
      if (!target) {
        throw new ConfigurationError(
          `${version}-url`,
          `mirror builtin needs the ${version} version: its ${version}-url, or a ${version}-command that starts it`,
          `${version}-command: node samples/app/server.mjs`,
        );
      }
    }
  } else if (live || dark) {
    throw new ConfigurationError(
      live ? 'live-url' : 'dark-url',
      'live and dark versions are only used by the builtin mirroring proxy; set mirror: builtin',
      'mirror: builtin',
    );
  }

  const load = resolveLoad(settings, mirror === 'builtin');
  if (mirror === 'none' && !load) return undefined;
  return {
    ...(live ? { live } : {}),
    ...(dark ? { dark } : {}),
    mirror:
      mirror === 'builtin'
        ? {
            kind: 'builtin',
            percent: settings.mirrorPercent ?? 100,
            unsafeMethods: settings.mirrorUnsafeMethods ?? false,
            port: settings.mirrorPort ?? 0,
          }
        : { kind: 'none' },
    ...(load ? { load } : {}),
    startTimeoutMs: settings.startTimeoutMs ?? 30_000,
    requestTimeoutMs: settings.requestTimeoutMs ?? 10_000,
  };
}

function localTarget(url: string | undefined, command: string | undefined): LocalTargetConfig | undefined {
  if (url === undefined && command === undefined) return undefined;
  return { ...(url === undefined ? {} : { url }), ...(command === undefined ? {} : { command }) };
}

function resolveLoad(settings: Defaulted, hasProxy: boolean): TrafficConfig['load'] {
  const { loadRate } = settings;
  if (loadRate === undefined) {
    const stray = (['loadUrl', 'loadHeaders', 'loadBody', 'loadRequests'] as const).find(
      (key) => settings[key] !== undefined,
    );
    if (stray) {
      throw new ConfigurationError(
        'load-rate',
        `${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is set, but there is no load without a rate`,
        'load-rate: 50',
      );
    }
    return undefined;
  }
  if (settings.loadUrl === undefined && !hasProxy) {
    throw new ConfigurationError(
      'load-url',
      'without the builtin mirroring proxy, the load needs a target URL',
      'load-url: https://checkout.staging.example.com',
    );
  }
  return {
    ...(settings.loadUrl === undefined ? {} : { url: settings.loadUrl }),
    ratePerSecond: loadRate,
    concurrency: settings.loadConcurrency ?? 64,
    requests: requestTemplates(settings.loadRequests, {
      method: settings.loadMethod ?? 'GET',
      headers: settings.loadHeaders ?? {},
      ...(settings.loadBody === undefined ? {} : { body: settings.loadBody }),
    }),
  };
}
