import { REQUEST_COUNT } from '../core/builtin-metrics.js';
import type { ExperimentConfig, PrometheusAuth, PrometheusConfig, PrometheusSigV4 } from '../core/config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type { DecisionPolicy, Objective } from '../core/model.js';
import { EXPERIMENT_INPUT, readActionInputs } from './action-inputs.js';
import { AWS_REGION_EXAMPLE, managedPrometheusRegion } from './aws-values.js';
import type { ConfigDependencies } from './config-dependencies.js';
import { CONFIG_FIELDS } from './config-fields.js';
import { parseExperimentFile } from './experiment-file.js';
import type { ExperimentSettings, SettingsSource } from './experiment-settings.js';
import { isBuiltInMetricName } from './metric-name.js';
import { parseObjectiveEntries } from './objective-parser.js';
import { derivedDarkRevision, resolveCluster } from './resolve-cluster.js';
import { resolveTraffic } from './resolve-traffic.js';

type SettingKey = keyof ExperimentSettings;

/** Maps whose entries merge key by key (an input overrides one query, not all of the file's). */
const MERGED_MAPS: readonly SettingKey[] = ['queries', 'prometheusHeaders'];

/**
 * The validated experiment from the action's inputs and, when the `experiment` input names one, an experiment
 * file (Shadowgate's or Iter8's). A non-empty input overrides the file's value. Throws ConfigurationError only.
 * `note` receives each note as soon as it is made: how the file was mapped right after it is read, so the log
 * shows it even when a later check fails.
 */
export function buildConfig(
  getInput: (name: string) => string,
  deps: ConfigDependencies,
  note: (line: string) => void = () => {},
): ExperimentConfig {
  const inputs = readActionInputs(getInput, deps);
  const file =
    inputs.experimentPath === undefined ? undefined : readExperimentFile(inputs.experimentPath, deps);
  const merged = file ? mergeSettings(file, inputs.settings) : { settings: inputs.settings, notes: [] };
  for (const line of merged.notes) note(line);
  const config = resolveConfig(merged, deps.commitSha);
  for (const line of config.notes.slice(merged.notes.length)) note(line);
  return config;
}

function readExperimentFile(path: string, deps: ConfigDependencies): SettingsSource {
  let text: string;
  try {
    text = deps.readFile(path);
  } catch (error) {
    throw new ConfigurationError(
      EXPERIMENT_INPUT,
      `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      '.github/shadowgate/checkout.yaml',
    );
  }
  return parseExperimentFile(text, deps);
}

/** The file's settings with every setting the inputs give laid over them. */
export function mergeSettings(file: SettingsSource, inputs: ExperimentSettings): SettingsSource {
  const merged: Record<string, unknown> = { ...file.settings };
  const notes = [...file.notes];
  for (const [key, value] of Object.entries(inputs) as [SettingKey, unknown][]) {
    if (value === undefined) continue;
    const fileValue = file.settings[key];
    if (fileValue !== undefined)
      notes.push(`input ${inputNameOf(key)} overrides the experiment file's value`);
    merged[key] =
      MERGED_MAPS.includes(key) && typeof fileValue === 'object'
        ? { ...fileValue, ...(value as object) }
        : value;
  }
  return { settings: merged, notes };
}

/**
 * Applies defaults and the checks that involve several settings; the result is what the run uses.
 * `commitSha` (GITHUB_SHA) gives the default revision-suffix of a deployed dark version.
 */
export function resolveConfig(
  { settings: given, notes: givenNotes }: SettingsSource,
  commitSha?: string,
): ExperimentConfig {
  const metrics = withDefaults(given).metrics ?? 'prometheus';
  const settings = withDefaults(metrics === 'builtin' ? { ...BUILTIN_IDENTITY, ...given } : given);
  const notes = [...givenNotes];
  const namespace = required(settings, 'namespace', 'default');
  const service = required(settings, 'service', 'checkout');
  const resolvedCluster = resolveCluster(given, settings, commitSha);
  const darkRevision =
    derivedDarkRevision(resolvedCluster, settings, service) ??
    required(settings, 'darkRevision', 'checkout-00002');
  // A deployed dark version's live counterpart is found in the cluster at deploy time.
  const liveDiscovered = resolvedCluster !== undefined && resolvedCluster.target.kind !== 'existing';
  const queries = settings.queries ?? {};
  const objectives = resolveObjectives(settings, queries, liveDiscovered);
  const { liveRevision } = settings;
  if (liveRevision !== undefined && liveRevision === darkRevision) {
    throw new ConfigurationError('live-revision', 'must differ from dark-revision', 'checkout-00001');
  }
  const iterations = required(settings, 'iterations');
  const intervalMs = required(settings, 'intervalMs');
  const { traffic, loadJob } = resolveTraffic({ ...settings, metrics }, objectives, {
    namespace,
    service,
    hasCluster: resolvedCluster !== undefined,
    runSeconds: (iterations * intervalMs) / 1000,
  });
  const cluster = resolvedCluster && loadJob ? { ...resolvedCluster, loadJob } : resolvedCluster;
  const failFastAfter = required(settings, 'failFastAfter');
  const decision = resolveDecision(settings, given, iterations, notes);
  if (decision.mode === 'point' && settings.failFast && failFastAfter > iterations) {
    notes.push(
      `fail-fast-after ${failFastAfter} exceeds iterations ${iterations}, so the run never stops early`,
    );
  }
  if (metrics === 'builtin' && settings.prometheusUrl !== undefined)
    notes.push('prometheus-url is not used: metrics builtin measures through the mirroring proxy');
  return {
    plan: {
      name: settings.name ?? service,
      target: { namespace, service, darkRevision, liveRevision },
      objectives,
      intervalMs,
      iterations,
      minRequests: required(settings, 'minRequests'),
      failFast: {
        enabled: required(settings, 'failFast'),
        consecutiveBreaches: failFastAfter,
      },
      decision,
    },
    metrics,
    ...(metrics === 'prometheus' ? { prometheus: resolvePrometheus(settings, objectives, notes) } : {}),
    ...(traffic ? { traffic } : {}),
    reporting: {
      comment: required(settings, 'comment'),
      onInconclusive: required(settings, 'onInconclusive'),
      githubToken: settings.githubToken,
      commentAuthor: settings.commentAuthor,
    },
    ...(cluster === undefined ? {} : { cluster }),
    notes,
  };
}

/** How objectives are decided, with notes on settings that do not apply to that mode. */
function resolveDecision(
  settings: ExperimentSettings,
  given: ExperimentSettings,
  iterations: number,
  notes: string[],
): DecisionPolicy {
  const confidence = required(settings, 'confidence');
  if (confidence === 'off') {
    for (const key of ['earlyPass', 'minIterations', 'minDurationMs'] as const) {
      if (given[key] !== undefined) notes.push(`${inputNameOf(key)} is not used: confidence is off`);
    }
    return { mode: 'point' };
  }
  if (given.failFastAfter !== undefined) {
    notes.push(
      'fail-fast-after is not used: with confidence bounds one confidently shown breach stops the run (confidence: off restores the rule)',
    );
  }
  const minIterations = required(settings, 'minIterations');
  if (minIterations > iterations) {
    notes.push(
      `min-iterations ${minIterations} exceeds iterations ${iterations}, so the run never passes early`,
    );
  }
  return {
    mode: 'confidence',
    confidence,
    earlyPass: required(settings, 'earlyPass'),
    minIterations,
    minDurationMs: required(settings, 'minDurationMs'),
  };
}

/**
 * With metrics builtin nothing is looked up by namespace or revision, so these only name the versions in
 * reports; relative objectives compare with the live URL, so they need no live-revision.
 */
const BUILTIN_IDENTITY: ExperimentSettings = {
  namespace: 'local',
  darkRevision: 'dark',
  liveRevision: 'live',
};

function resolvePrometheus(
  settings: ExperimentSettings,
  objectives: readonly Objective[],
  notes: string[],
): PrometheusConfig {
  const url = required(settings, 'prometheusUrl', 'http://prometheus.monitoring:9090');
  const template = required(settings, 'metricTemplate');
  const queries = settings.queries ?? {};
  if (template === 'custom') requireCustomQueries(objectives, queries);
  if (settings.prometheusInsecureSkipTlsVerify)
    notes.push('TLS certificate verification for Prometheus is off');
  return {
    url,
    auth: prometheusAuth(settings, url),
    tls: {
      caBundle: settings.prometheusCa,
      insecureSkipVerify: required(settings, 'prometheusInsecureSkipTlsVerify'),
    },
    template,
    queries,
    timeoutMs: required(settings, 'prometheusTimeoutMs'),
    attempts: required(settings, 'prometheusAttempts'),
  };
}

function withDefaults(settings: ExperimentSettings): ExperimentSettings {
  const defaulted: Record<string, unknown> = { ...settings };
  for (const { setting, input, default: defaultValue, parse } of CONFIG_FIELDS) {
    if (defaulted[setting] === undefined && defaultValue !== undefined && input !== undefined) {
      defaulted[setting] = parse(defaultValue, input, { readFile: unreadable });
    }
  }
  return defaulted;
}

function resolveObjectives(
  settings: ExperimentSettings,
  queries: Readonly<Record<string, string>>,
  liveDiscovered: boolean,
): Objective[] {
  const customMetricIds = new Set(Object.keys(queries).filter((id) => !isBuiltInMetricName(id)));
  const objectives = parseObjectiveEntries(settings.objectives ?? [], customMetricIds);
  if (objectives.length === 0) {
    throw new ConfigurationError('objectives', 'at least one objective is required', 'p95-latency < 100ms');
  }
  const relative = objectives.find((objective) => objective.limit.kind === 'relative');
  if (relative && settings.liveRevision === undefined && !liveDiscovered) {
    throw new ConfigurationError(
      'live-revision',
      `the objective "${relative.text}" compares with the live revision, so live-revision is required`,
      'checkout-00001',
    );
  }
  return objectives;
}

/** The custom template has no built-in PromQL: every measured metric, and request-count for min-requests, needs a query. */
function requireCustomQueries(
  objectives: readonly Objective[],
  queries: Readonly<Record<string, string>>,
): void {
  const needed = new Set([...objectives.map((objective) => objective.metric.id), REQUEST_COUNT.id]);
  const missing = [...needed].filter((id) => queries[id] === undefined);
  if (missing.length > 0) {
    throw new ConfigurationError(
      'queries',
      `metric-template custom needs a PromQL query for ${missing.join(', ')}`,
      `${missing[0]}: 'sum(rate(http_requests_total{revision="$revision"}[5m]))'`,
    );
  }
}

function prometheusAuth(settings: ExperimentSettings, url: string): PrometheusAuth {
  const {
    prometheusToken: bearerToken,
    prometheusUsername: username,
    prometheusPassword: password,
  } = settings;
  const headers = settings.prometheusHeaders ?? {};
  if (bearerToken !== undefined && (username !== undefined || password !== undefined)) {
    throw new ConfigurationError(
      'prometheus-token',
      'set either a bearer token or prometheus-username/prometheus-password, not both',
      'prometheus-token: (a secret), and no prometheus-username',
    );
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigurationError(
      username === undefined ? 'prometheus-username' : 'prometheus-password',
      'basic auth needs both prometheus-username and prometheus-password',
      'prometheus-username: shadowgate',
    );
  }
  const basic = username !== undefined && password !== undefined ? { username, password } : undefined;
  return { bearerToken, basic, headers, sigv4: sigV4Auth(settings, url) };
}

/** SigV4 signing when prometheus-auth is sigv4: it takes the Authorization header, so no token or basic auth. */
function sigV4Auth(settings: ExperimentSettings, url: string): PrometheusSigV4 | undefined {
  const { prometheusAuth, awsRegion: region, awsRoleArn: roleArn } = settings;
  if (prometheusAuth !== 'sigv4') {
    const stray = region !== undefined ? 'aws-region' : roleArn !== undefined ? 'aws-role-arn' : undefined;
    if (stray !== undefined) {
      throw new ConfigurationError(
        stray,
        `${stray} is used only to sign requests with AWS SigV4; set prometheus-auth: sigv4 as well`,
        'prometheus-auth: sigv4',
      );
    }
    return undefined;
  }
  if (settings.prometheusToken !== undefined || settings.prometheusUsername !== undefined) {
    throw new ConfigurationError(
      'prometheus-auth',
      'sigv4 signs the Authorization header itself, so it cannot be combined with prometheus-token or prometheus-username/prometheus-password',
      'prometheus-auth: sigv4, aws-region: us-east-1, and no prometheus-token',
    );
  }
  if (region === undefined) {
    throw new ConfigurationError(
      'aws-region',
      'prometheus-auth sigv4 needs the region of the Amazon Managed Service for Prometheus workspace',
      managedPrometheusRegion(url) ?? AWS_REGION_EXAMPLE,
    );
  }
  const urlRegion = managedPrometheusRegion(url);
  if (urlRegion !== undefined && urlRegion !== region) {
    throw new ConfigurationError(
      'aws-region',
      `${region} differs from the region of prometheus-url (${urlRegion}); AWS would refuse the signature`,
      urlRegion,
    );
  }
  return roleArn === undefined ? { region } : { region, roleArn };
}

/** A setting every run needs. Settings with a default always have a value by now. */
function required<K extends SettingKey>(
  settings: ExperimentSettings,
  key: K,
  example?: string,
): NonNullable<ExperimentSettings[K]> {
  const value = settings[key];
  if (value !== undefined) return value as NonNullable<ExperimentSettings[K]>;
  const field = CONFIG_FIELDS.find((candidate) => candidate.setting === key);
  const input = field?.input ?? key;
  const inFile = field?.file === undefined ? '' : ` or ${field.file} in the experiment file`;
  throw new ConfigurationError(
    input,
    `missing; set the ${input} input (CLI: --${input})${inFile}`,
    example ?? field?.default,
  );
}

function inputNameOf(setting: SettingKey): string {
  return CONFIG_FIELDS.find((field) => field.setting === setting)?.input ?? setting;
}

// Defaults are literals such as `10s`; none is a path, so none reads a file.
function unreadable(path: string): never {
  throw new Error(`defaults do not read files (${path})`);
}
