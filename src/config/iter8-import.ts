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
const METRIC_NAMESPACE = 'iter8-knative/';

/** Iter8's built-in Knative metrics → Shadowgate metric id, and how a limit (a Quantity) is written for it. */
const METRICS: Readonly<Record<string, { readonly id: string; readonly unit: string }>> = {
  'mean-latency': { id: 'mean-latency', unit: 'ms' },
  '95th-percentile-tail-latency': { id: 'p95-latency', unit: 'ms' },
  'error-rate': { id: 'error-rate', unit: '' },
  'request-count': { id: 'request-count', unit: '' },
};

const LIMITS = [
  // Iter8 fails an objective when value > upperLimit or value < lowerLimit.
  { key: 'upperLimit', comparator: '<=' },
  { key: 'lowerLimit', comparator: '>=' },
] as const;

const OBJECTIVE_EXAMPLE = 'objectives: [{metric: iter8-knative/mean-latency, upperLimit: 50}]';
const SPEC_KEYS = ['target', 'strategy', 'criteria', 'duration', 'versionInfo'];

/** True for any `iter8.tools/*` document, so other Iter8 versions get a clear error rather than "unknown key". */
export function isIter8Experiment(document: Mapping): boolean {
  return typeof document.apiVersion === 'string' && document.apiVersion.startsWith('iter8.tools/');
}

/**
 * Maps an Iter8 v2alpha2 Experiment (as in Iter8's Knative mirroring tutorial) to Shadowgate settings.
 * Every decision is noted, so the log shows what was taken from where.
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
      `Iter8: spec.strategy${pattern} ignored; Shadowgate mirrors traffic to the dark revision and judges it`,
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
  );
  return { settings, notes };
}

function target(spec: Mapping, notes: string[]): Pick<ExperimentSettings, 'namespace' | 'service'> {
  const example = 'target: default/sample-app';
  const value = spec.target;
  const parts = typeof value === 'string' ? value.split('/') : [];
  if (parts.length !== 2) {
    throw new ConfigurationError(at('spec.target'), 'expected <namespace>/<service>', example);
  }
  const namespace = parseDnsLabel(parts[0], at('spec.target'), example);
  const service = parseDnsLabel(parts[1], at('spec.target'), example);
  notes.push(`Iter8: spec.target ${namespace}/${service} → namespace ${namespace}, service ${service}`);
  return { namespace, service };
}

const VERSION_EXAMPLE = 'baseline: {name: current, variables: [{name: revision, value: sample-app-v2}]}';

/**
 * A Conformance experiment's baseline is the dark revision. A Canary's candidate is the new (dark) one
 * and its baseline the live one.
 */
function versions(spec: Mapping, notes: string[]): Pick<ExperimentSettings, 'darkRevision' | 'liveRevision'> {
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
    notes.push(`Iter8: ${baseline.source} ${baseline.revision} → dark-revision ${baseline.revision}`);
    return { darkRevision: baseline.revision };
  }
  const candidate = revisionOf(candidates[0], 'spec.versionInfo.candidates[0]');
  notes.push(`Iter8: ${candidate.source} ${candidate.revision} → dark-revision ${candidate.revision}`);
  notes.push(`Iter8: ${baseline.source} ${baseline.revision} → live-revision ${baseline.revision}`);
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
    notes.push(`Iter8: ${path} ${String(objective.metric)} ${key} ${String(objective[key])} → ${line}`);
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

function iter8Metric(value: unknown, path: string): { readonly id: string; readonly unit: string } {
  const name = typeof value === 'string' ? value.trim() : '';
  const metric = METRICS[name.startsWith(METRIC_NAMESPACE) ? name.slice(METRIC_NAMESPACE.length) : name];
  if (!metric) {
    throw new ConfigurationError(
      at(path),
      `metric ${JSON.stringify(value)} cannot be imported; supported: ` +
        Object.keys(METRICS)
          .map((metricName) => METRIC_NAMESPACE + metricName)
          .join(', '),
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
