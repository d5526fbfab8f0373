import { ConfigurationError } from '../core/configuration-error.js';
import { formatDecimal } from './decimal.js';
import { formatDuration } from './duration.js';
import type { ExperimentSettings, SettingsSource } from './experiment-settings.js';
import { parseDnsLabel, parseExperimentName } from './names.js';
import type { ObjectiveEntry } from './objective-parser.js';
import { parseQuantity } from './quantity.js';
import { parseInteger } from './scalar-values.js';
import { isMapping } from './yaml-document.js';

type Mapping = Readonly<Record<string, unknown>>;

const API_VERSION = 'iter8.tools/v2alpha2';

/**
 * Namespaces of Iter8's built-in Knative metrics: `iter8-knative` from April 2021, and `iter8-system` in the
 * files of March 2021, before the rename. Later, `iter8-system` held Iter8's builtin metrics instead, which its
 * own load generator measured (see `builtinMeaning`).
 */
const KNATIVE_NAMESPACES = ['iter8-knative/', 'iter8-system/'];

interface ImportedMetric {
  readonly id: string;
  /** How a limit (a Quantity) is written for it: `ms`, or nothing for a ratio or count. */
  readonly unit: string;
  /** How it differs from Iter8's metric of the same name, when it does. */
  readonly note?: string;
}

/** Iter8's built-in Knative metrics → the Shadowgate metric that measures the same thing. */
const METRICS: Readonly<Record<string, ImportedMetric>> = {
  'mean-latency': { id: 'mean-latency', unit: 'ms' },
  '95th-percentile-tail-latency': { id: 'p95-latency', unit: 'ms' },
  // Iter8 counted every response that is not 2xx (`response_code_class!='2xx'`); Shadowgate's error-rate
  // counts 5xx only, which would make an imported limit more lenient than the file meant.
  'error-rate': {
    id: 'non-2xx-rate',
    unit: '',
    note: "Iter8's error-rate counts every response that is not 2xx, so it maps to non-2xx-rate; Shadowgate's own error-rate counts only 5xx",
  },
  'request-count': { id: 'request-count', unit: '' },
};

/** Iter8 experiments for platforms other than Knative, by the metric namespaces and objects they name. */
const OTHER_PLATFORMS: readonly {
  readonly name: string;
  readonly metrics: string;
  readonly group: string;
}[] = [
  { name: 'a KFServing InferenceService', metrics: 'iter8-kfserving/', group: 'serving.kubeflow.org' },
  { name: 'a KServe InferenceService', metrics: 'iter8-kserve/', group: 'serving.kserve.io' },
  {
    name: 'a Seldon deployment (SeldonDeployment)',
    metrics: 'iter8-seldon/',
    group: 'machinelearning.seldon.io',
  },
];

const LIMITS = [
  // Iter8 fails an objective when value > upperLimit or value < lowerLimit.
  { key: 'upperLimit', comparator: '<=' },
  { key: 'lowerLimit', comparator: '>=' },
] as const;

const OBJECTIVE_EXAMPLE = 'objectives: [{metric: iter8-knative/mean-latency, upperLimit: 50}]';
const VERSION_EXAMPLE = 'baseline: {name: current, variables: [{name: revision, value: sample-app-v2}]}';
const SPEC_KEYS = ['target', 'strategy', 'criteria', 'duration', 'versionInfo'];

/**
 * How a Shadowgate run differs from an Iter8 experiment whatever the file says; logged with every import, so
 * nobody expects Iter8's behaviour where it is not kept.
 */
const DIFFERENCES = [
  'Iter8: each objective is decided at 95% confidence on a bound valid at every iteration (confidence), so too few requests are inconclusive rather than a pass; Iter8 compared the value with the limit. confidence: off restores that rule',
  'Iter8: the run stops early as soon as an objective is confidently breached (fail-fast, on by default) or all are confidently met (early-pass, on by default); Iter8 ran every iteration and judged only the last. Set fail-fast: false and early-pass: false to run them all',
  'Iter8: fewer dark requests than min-requests (default 10) in the window leave objectives inconclusive; Iter8 judged any sample size. spec.criteria.requestCount is not needed for this',
  'Iter8: missing data (an empty result, NaN, a Prometheus down past its retries) makes the run inconclusive, never a pass, and the job fails on it unless on-inconclusive: pass; Iter8 reused the previous value after a backend error and otherwise failed the objective',
];

/** True for any `iter8.tools/*` document, so other Iter8 versions get a clear error rather than "unknown key". */
export function isIter8Experiment(document: Mapping): boolean {
  return typeof document.apiVersion === 'string' && document.apiVersion.startsWith('iter8.tools/');
}

/**
 * Maps an Iter8 v2alpha2 Knative Experiment (as in Iter8's Knative mirroring tutorial) to Shadowgate settings,
 * keeping Iter8's meaning; what it cannot keep (another platform, a reward, Iter8's own load generator) is
 * refused with the reason. Every decision is noted, so the log shows what was taken from where.
 */
export function importIter8Experiment(document: Mapping): SettingsSource {
  if (document.apiVersion !== API_VERSION || document.kind !== 'Experiment') {
    throw new ConfigurationError(
      'experiment: apiVersion',
      `only Iter8 ${API_VERSION} Experiments can be imported, got ${JSON.stringify(document.apiVersion)} / ` +
        JSON.stringify(document.kind),
      `apiVersion: ${API_VERSION}\nkind: Experiment`,
    );
  }
  const notes: string[] = [];
  const spec = mappingAt(
    document.spec,
    'spec',
    'spec: {target: default/sample-app, criteria: ..., versionInfo: ...}',
  );
  refuseOtherPlatforms(spec);
  refuseWinnerSelection(spec);
  refuseBuiltinMetrics(spec);

  const metadata = isMapping(document.metadata) ? document.metadata : {};
  const name =
    metadata.name === undefined ? undefined : parseExperimentName(metadata.name, at('metadata.name'));
  if (name !== undefined) notes.push(`Iter8: metadata.name ${name} → name ${name}`);

  for (const key of Object.keys(spec).filter((key) => !SPEC_KEYS.includes(key))) {
    notes.push(`Iter8: spec.${key} ignored (not part of a v2alpha2 Experiment Shadowgate understands)`);
  }
  const strategy = isMapping(spec.strategy) ? spec.strategy : undefined;
  if (strategy) {
    const pattern =
      typeof strategy.testingPattern === 'string' ? ` (testingPattern ${strategy.testingPattern})` : '';
    notes.push(
      `Iter8: spec.strategy${pattern}: its deployment pattern, weights and actions are not run; Shadowgate mirrors traffic to the dark revision and judges it (promotion: the promote input)`,
    );
  }

  for (const path of collectTasks(spec)) {
    notes.push(
      `Iter8: ${path} (metrics/collect, Iter8's own load generator) not run; load-rate sets Shadowgate's own load`,
    );
  }
  const settings: ExperimentSettings = {
    name,
    ...target(spec, notes),
    ...versions(spec, notes),
    metricTemplate: 'knative-legacy',
    objectives: objectives(spec, notes),
    ...duration(spec, notes),
  };
  notes.push(
    'Iter8: iter8-knative metrics are Knative queue-proxy (OpenCensus) metrics → metric-template knative-legacy',
    ...DIFFERENCES,
  );
  return { settings, notes };
}

/** Every metric the file names, with where: objectives, rewards, indicators and requestCount. */
function metricReferences(spec: Mapping): { readonly name: string; readonly path: string }[] {
  const criteria = isMapping(spec.criteria) ? spec.criteria : {};
  const listed = (key: string, nameOf: (item: unknown) => unknown) =>
    (Array.isArray(criteria[key]) ? criteria[key] : []).flatMap((item: unknown, index: number) => {
      const name = nameOf(item);
      return typeof name === 'string' ? [{ name, path: `spec.criteria.${key}[${index}]` }] : [];
    });
  const metricOf = (item: unknown) => (isMapping(item) ? item.metric : undefined);
  return [
    ...listed('objectives', metricOf),
    ...listed('rewards', metricOf),
    ...listed('indicators', (item) => item),
    ...(typeof criteria.requestCount === 'string'
      ? [{ name: criteria.requestCount, path: 'spec.criteria.requestCount' }]
      : []),
  ];
}

/** KFServing and Seldon experiments name their own metrics and objects; Shadowgate gates Knative services. */
function refuseOtherPlatforms(spec: Mapping): void {
  const versionInfo = isMapping(spec.versionInfo) ? spec.versionInfo : {};
  const versions = [
    { value: versionInfo.baseline, path: 'spec.versionInfo.baseline' },
    ...(Array.isArray(versionInfo.candidates) ? versionInfo.candidates : []).map((value, index) => ({
      value,
      path: `spec.versionInfo.candidates[${index}]`,
    })),
  ];
  for (const platform of OTHER_PLATFORMS) {
    const metric = metricReferences(spec).find(({ name }) => name.startsWith(platform.metrics));
    const object = versions.find(({ value }) => {
      const ref = isMapping(value) && isMapping(value.weightObjRef) ? value.weightObjRef : undefined;
      return typeof ref?.apiVersion === 'string' && ref.apiVersion.startsWith(`${platform.group}/`);
    });
    const seen = metric
      ? `${metric.path} names the metric ${metric.name}`
      : object
        ? `${object.path}.weightObjRef is a ${platform.group} object`
        : undefined;
    if (seen !== undefined) {
      throw new ConfigurationError(
        at(metric?.path ?? `${object?.path}.weightObjRef`),
        `Shadowgate gates Knative services; this experiment targets ${platform.name} (${seen}), whose ` +
          'versions and metrics it cannot read',
        'an Iter8 Knative experiment: target: default/sample-app, metrics iter8-knative/*',
      );
    }
  }
}

/** A/B and A/B/n experiments pick a winner by a reward; a gate only says whether one version meets its SLOs. */
function refuseWinnerSelection(spec: Mapping): void {
  const strategy = isMapping(spec.strategy) ? spec.strategy : {};
  const criteria = isMapping(spec.criteria) ? spec.criteria : {};
  const pattern = strategy.testingPattern;
  const rewards = Array.isArray(criteria.rewards) && criteria.rewards.length > 0;
  if (!rewards && pattern !== 'A/B' && pattern !== 'A/B/N' && pattern !== 'A/B/n') return;
  const what = rewards
    ? `spec.criteria.rewards: Iter8 picks the version with the best reward among those that meet the objectives`
    : `testingPattern ${String(pattern)}: Iter8 picks the winner by a reward`;
  throw new ConfigurationError(
    at(rewards ? 'spec.criteria.rewards' : 'spec.strategy.testingPattern'),
    `cannot be imported (${what}). A reward is not an SLO, and a gate cannot pick a winner: it judges one dark ` +
      'version against its objectives. Drop the rewards and use testingPattern Canary (the candidate is judged) ' +
      'or Conformance (the baseline is)',
    'strategy: {testingPattern: Canary}\ncriteria: {objectives: [{metric: iter8-knative/mean-latency, upperLimit: 50}]}',
  );
}

/** The `metrics/collect` tasks (Iter8's own load generator, Fortio) in the file's actions, by path. */
function collectTasks(spec: Mapping): string[] {
  const strategy = isMapping(spec.strategy) ? spec.strategy : {};
  const actions = isMapping(strategy.actions) ? strategy.actions : {};
  return Object.entries(actions).flatMap(([action, tasks]) =>
    (Array.isArray(tasks) ? tasks : []).flatMap((task: unknown, index: number) =>
      isMapping(task) && task.task === 'metrics/collect' ? [`spec.strategy.actions.${action}[${index}]`] : [],
    ),
  );
}

/**
 * Later Iter8 files (v0.6 on) use `iter8-system/*` for its builtin metrics, measured by its own load generator
 * (the `metrics/collect` task) against the URLs it lists, not by Knative. A file that shows this meaning (the
 * task, or a name only the builtin metrics had) does not mean what the same names meant before the rename, so
 * it is refused rather than read as Knative metrics.
 */
function refuseBuiltinMetrics(spec: Mapping): void {
  const references = metricReferences(spec);
  const systemMetric = references.find(({ name }) => name.startsWith('iter8-system/'));
  if (systemMetric === undefined) return;
  const collect = collectTasks(spec)[0];
  const builtinName = references.find(({ name }) => /^iter8-system\/latency-\d+th-percentile$/.test(name));
  if (collect === undefined && builtinName === undefined) return;
  const evidence =
    collect !== undefined
      ? `${collect} is Iter8's metrics/collect task`
      : `${builtinName?.path} names ${builtinName?.name}, one of Iter8's builtin metrics`;
  throw new ConfigurationError(
    at(systemMetric.path),
    `${systemMetric.name} cannot be imported: ${evidence}, so the file's iter8-system metrics are measured by ` +
      "Iter8's own load generator against the URLs the task lists, not by Knative on live traffic. Shadowgate " +
      'measures that way too, on mirrored traffic: write a Shadowgate experiment with metrics: builtin and load-rate',
    'metrics: builtin\ntraffic: {live: {url: http://127.0.0.1:8080}, dark: {url: http://127.0.0.1:8081}, load: {rate: 8}}',
  );
}

function target(spec: Mapping, notes: string[]): Pick<ExperimentSettings, 'namespace' | 'service'> {
  const example = 'target: default/sample-app';
  const value = spec.target;
  const parts = typeof value === 'string' ? value.split('/') : [];
  if (parts.length !== 2) {
    throw new ConfigurationError(
      at('spec.target'),
      'expected <namespace>/<service> of a Knative service',
      example,
    );
  }
  const namespace = parseDnsLabel(parts[0], at('spec.target'), example);
  const service = parseDnsLabel(parts[1], at('spec.target'), example);
  notes.push(`Iter8: spec.target ${namespace}/${service} → namespace ${namespace}, service ${service}`);
  return { namespace, service };
}

/**
 * The version Iter8 judges is the dark one: a Conformance experiment's baseline (the tutorial mirrors to it), a
 * Canary's candidate, whose baseline is then the live one.
 */
function versions(spec: Mapping, notes: string[]): Pick<ExperimentSettings, 'darkRevision' | 'liveRevision'> {
  if (spec.versionInfo === undefined || spec.versionInfo === null) {
    throw new ConfigurationError(
      at('spec.versionInfo'),
      'missing. It names the versions (Knative revisions): the baseline is judged in a Conformance ' +
        'experiment, the candidate in a Canary one, and Shadowgate needs it for the dark revision',
      `versionInfo: {${VERSION_EXAMPLE}}`,
    );
  }
  const versionInfo = mappingAt(spec.versionInfo, 'spec.versionInfo', `versionInfo: {${VERSION_EXAMPLE}}`);
  const baseline = revisionOf(versionInfo.baseline, 'spec.versionInfo.baseline');
  const candidates = versionInfo.candidates ?? [];
  if (!Array.isArray(candidates) || candidates.length > 1) {
    throw new ConfigurationError(
      at('spec.versionInfo.candidates'),
      'at most one candidate can be imported (Shadowgate compares one dark revision with the live one)',
      `versionInfo: {${VERSION_EXAMPLE}}`,
    );
  }
  if (candidates.length === 0) {
    notes.push(
      `Iter8: ${baseline.source} ${baseline.revision} → dark-revision ${baseline.revision} (with no candidate, the baseline is the version judged)`,
    );
    return { darkRevision: baseline.revision };
  }
  const candidate = revisionOf(candidates[0], 'spec.versionInfo.candidates[0]');
  notes.push(
    `Iter8: ${candidate.source} ${candidate.revision} → dark-revision ${candidate.revision} (the candidate is the version judged)`,
  );
  notes.push(
    `Iter8: ${baseline.source} ${baseline.revision} → live-revision ${baseline.revision}; Iter8 also judged the baseline against the objectives, Shadowgate compares with it only in relative objectives`,
  );
  return { darkRevision: candidate.revision, liveRevision: baseline.revision };
}

/** The `revision` variable (tutorial style), else the version's name (Iter8 v0.5+ style). */
function revisionOf(value: unknown, path: string): { readonly revision: string; readonly source: string } {
  const version = mappingAt(value, path, VERSION_EXAMPLE);
  const variables = Array.isArray(version.variables) ? version.variables : [];
  const variable = variables.find((item) => isMapping(item) && item.name === 'revision');
  const source = isMapping(variable) ? `${path}.variables[revision]` : `${path}.name`;
  const revision = parseDnsLabel(
    isMapping(variable) ? variable.value : version.name,
    at(source),
    VERSION_EXAMPLE,
  );
  return { revision, source };
}

function objectives(spec: Mapping, notes: string[]): ObjectiveEntry[] {
  const criteria = mappingAt(spec.criteria, 'spec.criteria', OBJECTIVE_EXAMPLE);
  for (const key of Object.keys(criteria).filter((key) => key !== 'objectives')) {
    notes.push(
      `Iter8: spec.criteria.${key} ignored (only objectives gate; min-requests guards the sample size)`,
    );
  }
  const list = criteria.objectives;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigurationError(
      at('spec.criteria.objectives'),
      'expected a non-empty list of objectives',
      OBJECTIVE_EXAMPLE,
    );
  }
  return list.flatMap((item, index) => objectiveEntriesOf(item, `spec.criteria.objectives[${index}]`, notes));
}

function objectiveEntriesOf(item: unknown, path: string, notes: string[]): ObjectiveEntry[] {
  const objective = mappingAt(item, path, OBJECTIVE_EXAMPLE);
  const metric = iter8Metric(objective.metric, `${path}.metric`);
  if (objective.rollback_on_failure !== undefined) {
    notes.push(`Iter8: ${path}.rollback_on_failure ignored (a failed objective fails the run)`);
  }
  const entries = LIMITS.filter(({ key }) => objective[key] !== undefined).map(({ key, comparator }) => {
    const input = at(`${path}.${key}`);
    const limit = `${formatDecimal(parseQuantity(objective[key], input))}${metric.unit}`;
    const line = `${metric.id} ${comparator} ${limit}`;
    const why = metric.note ? ` (${metric.note})` : '';
    notes.push(`Iter8: ${path} ${String(objective.metric)} ${key} ${String(objective[key])} → ${line}${why}`);
    return { input, value: line };
  });
  if (entries.length === 0) {
    throw new ConfigurationError(
      at(path),
      'an objective needs upperLimit or lowerLimit',
      'metric: iter8-knative/mean-latency\nupperLimit: 50',
    );
  }
  return entries;
}

function iter8Metric(value: unknown, path: string): ImportedMetric {
  const name = typeof value === 'string' ? value.trim() : '';
  const namespace = KNATIVE_NAMESPACES.find((prefix) => name.startsWith(prefix));
  const metric = METRICS[namespace ? name.slice(namespace.length) : name];
  if (!metric) {
    throw new ConfigurationError(
      at(path),
      `metric ${JSON.stringify(value)} cannot be imported; supported: ` +
        Object.keys(METRICS)
          .map((metricName) => `iter8-knative/${metricName}`)
          .join(', ') +
        ' (also as iter8-system/…, their names before April 2021)',
      'metric: iter8-knative/mean-latency',
    );
  }
  return metric;
}

function duration(spec: Mapping, notes: string[]): Pick<ExperimentSettings, 'intervalMs' | 'iterations'> {
  const given = isMapping(spec.duration) ? spec.duration : {};
  // Iter8's defaults (etc3 api/v2alpha2/defaults.go).
  const read = (key: string, fallback: number) => {
    const value = given[key];
    if (value === undefined) return { value: fallback, source: `${fallback} (Iter8 default)` };
    const parsed = parseInteger(value, at(`spec.duration.${key}`), 1, 10_000);
    return { value: parsed, source: String(parsed) };
  };
  const interval = read('intervalSeconds', 20);
  const perLoop = read('iterationsPerLoop', 15);
  const loops = read('maxLoops', 1);
  const iterations = parseInteger(perLoop.value * loops.value, at('spec.duration'), 1, 10_000);
  const intervalMs = interval.value * 1000;
  notes.push(
    `Iter8: spec.duration.intervalSeconds ${interval.source} → interval ${formatDuration(intervalMs)}`,
  );
  notes.push(
    `Iter8: spec.duration.iterationsPerLoop ${perLoop.source} × maxLoops ${loops.source} → iterations ${iterations}`,
  );
  return { intervalMs, iterations };
}

function mappingAt(value: unknown, path: string, example: string): Mapping {
  if (!isMapping(value)) throw new ConfigurationError(at(path), 'expected a mapping', example);
  return value;
}

function at(path: string): string {
  return `experiment: ${path}`;
}
