import type { ClusterConfig, RouterConfig, TargetConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import { CLUSTER_FIELDS, CLUSTER_SETTINGS } from './cluster-fields.js';
import type { ClusterSettings, ExperimentSettings } from './experiment-settings.js';

type ClusterSettingKey = keyof ClusterSettings;

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SHORT_SHA = /^[0-9a-f]{7}$/;

/** Which settings apply to which target and router; giving one elsewhere is a mistake worth naming. */
const TARGET_ONLY: Readonly<Partial<Record<ClusterSettingKey, readonly TargetConfig['kind'][]>>> = {
  image: ['knative', 'deployment'],
  revisionSuffix: ['knative', 'deployment'],
  container: ['knative', 'deployment'],
  env: ['knative', 'deployment'],
  deployment: ['deployment'],
  annotations: ['knative'],
};
const ROUTER_ONLY: Readonly<Partial<Record<ClusterSettingKey, readonly RouterConfig['kind'][]>>> = {
  istioMode: ['istio'],
  virtualService: ['istio'],
  httpRoute: ['gateway-api'],
  mirrorPercent: ['istio', 'gateway-api'],
};

/** The cluster side is on when any cluster setting was given (by an input or the file), defaults aside. */
function wantsCluster(given: ExperimentSettings): boolean {
  return [...CLUSTER_SETTINGS].some((key) => given[key] !== undefined);
}

/**
 * The cluster configuration, or undefined when no cluster setting was given (evaluate only). `given` holds
 * what the user set, `settings` the same with defaults applied; `commitSha` gives the default suffix.
 */
export function resolveCluster(
  given: ExperimentSettings,
  settings: ExperimentSettings,
  commitSha: string | undefined,
): ClusterConfig | undefined {
  if (!wantsCluster(given)) return undefined;
  const targetKind = defaulted(settings, 'clusterTarget');
  const routerKind = defaulted(settings, 'router');
  rejectMisplaced(given, targetKind, routerKind);
  if (given.promote === true && targetKind === 'existing') {
    throw new ConfigurationError(
      'promote',
      'target existing runs a dark version Shadowgate did not deploy, so there is nothing to promote; set target knative or deployment',
      'target: knative',
    );
  }
  if (targetKind === 'existing' && settings.liveRevision === undefined) {
    throw new ConfigurationError(
      'live-revision',
      'target existing mirrors from the live revision to the dark one, both already running, so live-revision is required',
      `${settings.service ?? 'checkout'}-00001`,
    );
  }
  return {
    kubeconfig: settings.kubeconfig ?? { kind: 'runner' },
    target: resolveTarget(targetKind, settings, commitSha),
    router: resolveRouter(routerKind, settings),
    readyTimeoutMs: defaulted(settings, 'readyTimeoutMs'),
    leaseWaitMs: defaulted(settings, 'leaseTimeoutMs'),
    promote: defaulted(settings, 'promote'),
  };
}

/**
 * The dark revision's name when Shadowgate deploys it (`<service>-<suffix>` or `<deployment>-<suffix>`), checked
 * against a dark-revision the user gave; undefined for target existing, where dark-revision names it.
 */
export function derivedDarkRevision(
  cluster: ClusterConfig | undefined,
  settings: ExperimentSettings,
  service: string,
): string | undefined {
  const target = cluster?.target;
  if (target === undefined || target.kind === 'existing') return undefined;
  const base = target.kind === 'knative' ? service : target.deployment;
  const name = `${base}-${target.suffix}`;
  const baseInput = target.kind === 'knative' ? 'service' : 'deployment';
  if (name.length > 63 || !DNS_1035_LABEL.test(name)) {
    throw new ConfigurationError(
      'revision-suffix',
      `the dark ${target.kind === 'knative' ? 'revision' : 'Deployment'} would be named "${name}", which is not a valid name: ` +
        `${baseInput} and revision-suffix must make a lower-case DNS-1035 label (a letter first, then letters, digits and "-") of at most 63 characters`,
      `${base.slice(0, 20)}-pr-42`,
    );
  }
  if (settings.darkRevision !== undefined && settings.darkRevision !== name) {
    throw new ConfigurationError(
      'dark-revision',
      `target ${target.kind} names the dark version "${name}" (<${baseInput}>-<revision-suffix>); remove dark-revision or set it to that`,
      name,
    );
  }
  return name;
}

function resolveTarget(
  kind: TargetConfig['kind'],
  settings: ExperimentSettings,
  commitSha: string | undefined,
): TargetConfig {
  if (kind === 'existing') return { kind };
  const image = settings.image;
  if (image === undefined) {
    throw new ConfigurationError(
      'image',
      `target ${kind} deploys a candidate image, so image (or cluster.image in the experiment file) is required`,
      'ghcr.io/acme/checkout:pr-42',
    );
  }
  const candidate = {
    image,
    suffix: settings.revisionSuffix ?? shortSha(commitSha),
    env: settings.env ?? {},
    ...(settings.container === undefined ? {} : { container: settings.container }),
  };
  if (kind === 'knative') return { kind, ...candidate, annotations: settings.annotations ?? {}, tag: 'dark' };
  const deployment = settings.deployment ?? settings.service;
  if (deployment === undefined) {
    throw new ConfigurationError(
      'deployment',
      'missing; set deployment, or service (the default)',
      'checkout',
    );
  }
  return { kind, ...candidate, deployment };
}

function resolveRouter(kind: RouterConfig['kind'], settings: ExperimentSettings): RouterConfig {
  const percent = defaulted(settings, 'mirrorPercent');
  switch (kind) {
    case 'none':
      return { kind };
    case 'istio':
      return {
        kind,
        mode: defaulted(settings, 'istioMode'),
        percent,
        ...(settings.virtualService === undefined ? {} : { virtualService: settings.virtualService }),
      };
    case 'gateway-api':
      if (settings.httpRoute === undefined) {
        throw new ConfigurationError(
          'http-route',
          'router gateway-api adds the mirror to an HTTPRoute, so http-route (or cluster.httpRoute) is required',
          'checkout',
        );
      }
      return { kind, httpRoute: settings.httpRoute, percent };
  }
}

function shortSha(commitSha: string | undefined): string {
  const sha = commitSha?.trim().toLowerCase().slice(0, 7);
  if (sha === undefined || !SHORT_SHA.test(sha)) {
    throw new ConfigurationError(
      'revision-suffix',
      'missing: it defaults to the first 7 characters of the commit sha (GITHUB_SHA), which is not set here; set revision-suffix (or cluster.revisionSuffix)',
      'pr-42',
    );
  }
  return sha;
}

function rejectMisplaced(
  given: ExperimentSettings,
  target: TargetConfig['kind'],
  router: RouterConfig['kind'],
): void {
  for (const { setting, input = setting } of CLUSTER_FIELDS) {
    const key = setting as ClusterSettingKey;
    if (given[key] === undefined) continue;
    const targets = TARGET_ONLY[key];
    if (targets && !targets.includes(target)) {
      throw new ConfigurationError(
        input,
        `applies only to target ${targets.join(' or ')}, and the target is ${target}`,
        `target: ${targets[0]}`,
      );
    }
    const routers = ROUTER_ONLY[key];
    if (routers && !routers.includes(router)) {
      throw new ConfigurationError(
        input,
        `applies only to router ${routers.join(' or ')}, and the router is ${router}`,
        `router: ${routers[0]}`,
      );
    }
  }
}

/** A setting with a default in CLUSTER_FIELDS, which build-config has applied by now. */
function defaulted<
  K extends
    | 'clusterTarget'
    | 'router'
    | 'istioMode'
    | 'mirrorPercent'
    | 'readyTimeoutMs'
    | 'leaseTimeoutMs'
    | 'promote',
>(settings: ExperimentSettings, key: K): NonNullable<ExperimentSettings[K]> {
  const value = settings[key];
  if (value === undefined) throw new Error(`the default of ${key} was not applied`);
  return value as NonNullable<ExperimentSettings[K]>;
}
