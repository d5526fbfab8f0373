import type { LoadJobConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type { Objective } from '../core/model.js';
import type { CompareConfig, LoadConfig, LocalTargetConfig, TrafficConfig } from '../core/traffic-config.js';
import {
  DEFAULT_IGNORED_HEADERS,
  DEFAULT_MAX_BODY,
  DEFAULT_SECRET_NAMES,
  parseBodyBound,
} from './compare-values.js';
import type { ExperimentSettings } from './experiment-settings.js';
import { DEFAULT_LOAD_JOB_IMAGE } from './traffic-fields.js';
import { requestTemplates } from './traffic-values.js';

type Defaulted = ExperimentSettings & Required<Pick<ExperimentSettings, 'metrics'>>;

/** What the load's defaults and checks need from the rest of the config. */
export interface LoadContext {
  readonly namespace: string;
  readonly service: string;
  /** Whether the run has a cluster side, which port-forward and job go through. */
  readonly hasCluster: boolean;
  /** The evaluation's length: iterations × interval. */
  readonly runSeconds: number;
}

/** Shadowgate's own traffic on the runner, and the load a Job sends from inside the cluster. */
export interface ResolvedTraffic {
  readonly traffic?: TrafficConfig;
  readonly loadJob?: LoadJobConfig;
}

/**
 * The traffic part of a run, from defaulted settings: undefined when Shadowgate makes no traffic itself.
 * Checks the settings against each other: builtin metrics need the builtin proxy, the proxy needs both
 * versions, and the load needs a target.
 */
export function resolveTraffic(
  settings: Defaulted,
  objectives: readonly Objective[],
  context: LoadContext,
): ResolvedTraffic {
  const { metrics } = settings;
  const mirror = settings.mirror ?? (metrics === 'builtin' ? 'builtin' : 'none');
  const mismatch = objectives.find((objective) => objective.metric.kind === 'response-mismatch-rate');
  if (mismatch && metrics !== 'builtin') {
    throw new ConfigurationError(
      'objectives',
      `"${mismatch.text}": only Shadowgate's own mirroring proxy sees both answers to compare them; use metrics: builtin`,
      'metrics: builtin',
    );
  }
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
        `"${custom.text}": metrics builtin measures mean-latency, pNN-latency, error-rate, request-count and response-mismatch-rate; custom metrics need metrics: prometheus`,
        'p95-latency < 100ms',
      );
    }
  }
  const live = localTarget(settings.liveUrl, settings.liveCommand);
  const dark = localTarget(settings.darkUrl, settings.darkCommand);
  const liveReplica = localTarget(settings.liveReplicaUrl, settings.liveReplicaCommand);
  const compare = resolveCompare(settings, mismatch, liveReplica !== undefined, mirror === 'builtin');
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

  const load = resolveLoad(settings, mirror === 'builtin', context);
  const loadJob = load?.kind === 'job' ? load.job : undefined;
  const runnerLoad = load?.kind === 'runner' ? load.load : undefined;
  if (mirror === 'none' && !runnerLoad) return loadJob ? { loadJob } : {};
  const traffic: TrafficConfig = {
    ...(live ? { live } : {}),
    ...(dark ? { dark } : {}),
    mirror:
      mirror === 'builtin'
        ? {
            kind: 'builtin',
            percent: settings.mirrorPercent ?? 100,
            unsafeMethods: settings.mirrorUnsafeMethods ?? false,
            port: settings.mirrorPort ?? 0,
            ...(compare ? { compare } : {}),
          }
        : { kind: 'none' },
    ...(liveReplica ? { liveReplica } : {}),
    ...(runnerLoad ? { load: runnerLoad } : {}),
    startTimeoutMs: settings.startTimeoutMs ?? 30_000,
    requestTimeoutMs: requestTimeoutMs(settings),
  };
  return { traffic, ...(loadJob ? { loadJob } : {}) };
}

const requestTimeoutMs = (settings: Defaulted) => settings.requestTimeoutMs ?? 10_000;

/**
 * The response comparison, when on: by `compare`, else because an objective, a live replica or an ignore or
 * secrets list asks for it. It happens in the builtin proxy, the only place that sees both answers.
 */
function resolveCompare(
  settings: Defaulted,
  mismatch: Objective | undefined,
  hasReplica: boolean,
  hasProxy: boolean,
): CompareConfig | undefined {
  const asked = mismatch
    ? `the objective "${mismatch.text}"`
    : hasReplica
      ? 'live-replica'
      : settings.compareIgnore
        ? 'compare-ignore'
        : settings.compareSecrets
          ? 'compare-secrets'
          : undefined;
  if (settings.compare === false) {
    if (asked !== undefined) {
      throw new ConfigurationError(
        'compare',
        `is false, but ${asked} needs the response comparison`,
        'compare: true',
      );
    }
    return undefined;
  }
  if (settings.compare !== true && asked === undefined) return undefined;
  if (!hasProxy) {
    throw new ConfigurationError(
      hasReplica && !mismatch ? 'live-replica-url' : 'compare',
      `${asked ?? 'compare'} needs the builtin mirroring proxy, which sees both answers; set mirror: builtin`,
      'mirror: builtin',
    );
  }
  return {
    ignorePaths: settings.compareIgnore?.paths ?? [],
    ignoreHeaders: [...new Set([...DEFAULT_IGNORED_HEADERS, ...(settings.compareIgnore?.headers ?? [])])],
    maxBodyBytes: settings.compareMaxBodyBytes ?? parseBodyBound(DEFAULT_MAX_BODY, 'compare-max-body'),
    bodies: settings.compareBodies ?? 'bytes',
    secretNames: [...new Set([...DEFAULT_SECRET_NAMES, ...(settings.compareSecrets ?? [])])],
  };
}

function localTarget(url: string | undefined, command: string | undefined): LocalTargetConfig | undefined {
  if (url === undefined && command === undefined) return undefined;
  return { ...(url === undefined ? {} : { url }), ...(command === undefined ? {} : { command }) };
}

type ResolvedLoad =
  | { readonly kind: 'runner'; readonly load: LoadConfig }
  | { readonly kind: 'job'; readonly job: LoadJobConfig };

/** Settings that only mean something for one load-target. */
const TARGET_ONLY = {
  loadService: 'port-forward',
  loadJobImage: 'job',
} as const satisfies Partial<Record<keyof ExperimentSettings, LoadTarget>>;
type LoadTarget = NonNullable<ExperimentSettings['loadTarget']>;

function resolveLoad(settings: Defaulted, hasProxy: boolean, context: LoadContext): ResolvedLoad | undefined {
  const { loadRate, loadReplay } = settings;
  const target = settings.loadTarget ?? 'url';
  if (loadReplay !== undefined) {
    const alternative = (['loadRequests', 'loadMethod', 'loadHeaders', 'loadBody'] as const).find(
      (key) => settings[key] !== undefined && !(key === 'loadMethod' && settings[key] === 'GET'),
    );
    if (alternative) {
      throw new ConfigurationError(
        inputName(alternative),
        'load-replay sends the recorded requests as they were; remove this or load-replay',
        'load-replay: .github/shadowgate/traffic.har',
      );
    }
    if (target === 'job') {
      throw new ConfigurationError(
        'load-replay',
        'load-target job runs curl in the cluster at load-rate from load-requests; replay from the runner (load-target url or port-forward)',
        'load-target: port-forward',
      );
    }
  }
  if (loadRate === undefined && loadReplay === undefined) {
    const stray = (
      [
        'loadUrl',
        'loadHeaders',
        'loadBody',
        'loadRequests',
        'loadTarget',
        'loadService',
        'loadJobImage',
      ] as const
    ).find((key) => settings[key] !== undefined && !(key === 'loadTarget' && target === 'url'));
    if (stray) {
      throw new ConfigurationError(
        'load-rate',
        `${inputName(stray)} is set, but there is no load without a rate`,
        'load-rate: 50',
      );
    }
    return undefined;
  }
  for (const [key, only] of Object.entries(TARGET_ONLY) as [keyof typeof TARGET_ONLY, LoadTarget][]) {
    if (settings[key] !== undefined && target !== only) {
      throw new ConfigurationError(
        inputName(key),
        `only applies with load-target ${only}`,
        `load-target: ${only}`,
      );
    }
  }
  const requests = requestTemplates(settings.loadRequests, {
    method: settings.loadMethod ?? 'GET',
    headers: settings.loadHeaders ?? {},
    ...(settings.loadBody === undefined ? {} : { body: settings.loadBody }),
  });
  if (target !== 'url') {
    if (!context.hasCluster) {
      throw new ConfigurationError(
        'load-target',
        `${target} goes through the Kubernetes API, so it needs the cluster settings (kubeconfig, target, router, …); without them use load-target url`,
        'load-target: url',
      );
    }
    if (hasProxy) {
      throw new ConfigurationError(
        'load-target',
        `${target} sends the load into the cluster, so it never passes the builtin mirroring proxy on the runner; use mirror none and let the cluster's mesh mirror it`,
        'mirror: none',
      );
    }
  }
  if (target === 'job') {
    return {
      kind: 'job',
      job: {
        image: settings.loadJobImage ?? DEFAULT_LOAD_JOB_IMAGE,
        url: settings.loadUrl ?? `http://${context.service}.${context.namespace}.svc.cluster.local`,
        // A job refuses load-replay above, so it has a rate.
        ratePerSecond: loadRate as number,
        requests,
        requestTimeoutMs: requestTimeoutMs(settings),
        runSeconds: context.runSeconds,
      },
    };
  }
  const common = {
    ...(loadRate === undefined ? {} : { ratePerSecond: loadRate }),
    concurrency: settings.loadConcurrency ?? 64,
    requests,
    ...(loadReplay === undefined
      ? {}
      : {
          replay: {
            path: loadReplay,
            format: settings.loadReplayFormat ?? 'auto',
            unsafeMethods: settings.loadReplayUnsafeMethods ?? false,
          },
        }),
  };
  if (target === 'port-forward') {
    if (settings.loadUrl !== undefined) {
      throw new ConfigurationError(
        'load-url',
        'with load-target port-forward the load goes to load-service through the Kubernetes API; remove load-url',
        `load-service: ${context.namespace}/${context.service}:80`,
      );
    }
    const service = settings.loadService;
    return {
      kind: 'runner',
      load: {
        ...common,
        portForward: {
          namespace: service?.namespace ?? context.namespace,
          service: service?.name ?? context.service,
          ...(service?.port === undefined ? {} : { port: service.port }),
        },
      },
    };
  }
  if (settings.loadUrl === undefined && !hasProxy) {
    throw new ConfigurationError(
      'load-url',
      'without the builtin mirroring proxy, the load needs a target URL',
      'load-url: https://checkout.staging.example.com',
    );
  }
  return {
    kind: 'runner',
    load: { ...(settings.loadUrl === undefined ? {} : { url: settings.loadUrl }), ...common },
  };
}

function inputName(setting: string): string {
  return setting.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
