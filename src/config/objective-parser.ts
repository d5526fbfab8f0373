import { ConfigurationError } from '../core/configuration-error.js';
import type { Comparator, Limit, MetricSpec, MetricUnit, Objective } from '../core/model.js';
import { DECIMAL, formatDecimal } from './decimal.js';
import { didYouMean } from './did-you-mean.js';
import { resolveMetricName, unknownMetricProblem } from './metric-name.js';
import { isMapping, parseYaml } from './yaml-document.js';

/** One objective as written, with the input it came from (`objectives line 3`, `experiment: objectives[2]`). */
export interface ObjectiveEntry {
  readonly input: string;
  /** A line such as `p95-latency < 100ms`, or a `{metric, op, limit}` mapping. */
  readonly value: unknown;
}

const COMPARATORS: readonly Comparator[] = ['<', '<=', '>', '>='];
const OBJECT_KEYS = ['metric', 'op', 'limit'];
const LINE = /^\s*([^\s<>=!≤≥]+)\s*(<=|>=|<|>|==|=|!=|≤|≥)?\s*(.*?)\s*$/;
const LATENCY_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, us: 0.001, µs: 0.001 };
const NUMBER = new RegExp(`^${DECIMAL}$`);
const SIGNED_NUMBER = new RegExp(`^-?${DECIMAL}$`);
const WITH_UNIT = new RegExp(`^(${DECIMAL})\\s*(ms|s|us|µs|%|pp)?$`, 'i');
const RELATIVE = new RegExp(
  `^live(?:\\s*\\*\\s*(${DECIMAL}))?(?:\\s*([+-])\\s*(${DECIMAL})\\s*(ms|s|us|µs|%|pp)?)?$`,
  'i',
);

/**
 * Splits the `objectives` input, or the experiment file's `objectives` list, into entries.
 * Text is one objective per line (blank lines and `#` comments skipped) or, when it starts with `- `,
 * a YAML list like the file's.
 */
export function objectiveEntries(value: unknown, input: string): ObjectiveEntry[] {
  if (typeof value === 'string') {
    const lines = value.split(/\r?\n/);
    const meaningful = lines
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    if (meaningful[0]?.startsWith('- ') || meaningful[0] === '-') {
      return objectiveEntries(parseYaml(value, input, 'p95-latency < 100ms'), input);
    }
    return lines.flatMap((line, index) => {
      const trimmed = line.trim();
      return trimmed === '' || trimmed.startsWith('#')
        ? []
        : [{ input: `${input} line ${index + 1}`, value: trimmed }];
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => ({ input: `${input}[${index}]`, value: item }));
  throw new ConfigurationError(
    input,
    'expected a list of objectives, each `<metric> <op> <limit>`',
    '["p95-latency < 100ms", "error-rate < 1%"]',
  );
}

/** Parses every entry; custom metric ids are accepted only when `customMetricIds` has them (they need a query). */
export function parseObjectiveEntries(
  entries: readonly ObjectiveEntry[],
  customMetricIds: ReadonlySet<string>,
): Objective[] {
  return entries.map((entry) => parseObjectiveEntry(entry, customMetricIds));
}

function parseObjectiveEntry(
  { input, value }: ObjectiveEntry,
  customMetricIds: ReadonlySet<string>,
): Objective {
  if (typeof value === 'string') return parseObjective(value, input, customMetricIds);
  if (!isMapping(value)) {
    throw new ConfigurationError(
      input,
      'expected a line `<metric> <op> <limit>` or a mapping {metric, op, limit}',
      "{metric: p95-latency, op: '<', limit: 100ms}",
    );
  }
  for (const key of Object.keys(value)) {
    if (!OBJECT_KEYS.includes(key)) {
      throw new ConfigurationError(
        input,
        `unknown key "${key}"${didYouMean(key, OBJECT_KEYS)}; an objective has metric, op and limit`,
        "{metric: p95-latency, op: '<', limit: 100ms}",
      );
    }
  }
  const parts = OBJECT_KEYS.map((key) => value[key]);
  if (!parts.every((part) => typeof part === 'string' || typeof part === 'number')) {
    throw new ConfigurationError(
      input,
      'metric, op and limit must all be set (quote the op: YAML reads a bare > as a folded string)',
      "{metric: p95-latency, op: '<', limit: 100ms}",
    );
  }
  return parseObjective(parts.join(' '), input, customMetricIds);
}

/** Parses `<metric> <op> <limit>`, e.g. `p95-latency < 100ms`, `error-rate <= live + 0.5pp`. */
export function parseObjective(line: string, input: string, customMetricIds: ReadonlySet<string>): Objective {
  const match = LINE.exec(line);
  const [, name = '', op, limitText = ''] = match ?? [];
  if (!match || op === undefined || limitText === '') {
    throw new ConfigurationError(
      input,
      `"${line}" is not an objective; write <metric> <op> <limit>`,
      'p95-latency < 100ms',
    );
  }
  const metric = resolveMetricName(name, customMetricIds);
  if (!metric)
    throw new ConfigurationError(input, unknownMetricProblem(name, customMetricIds), 'p95-latency < 100ms');
  const example = exampleFor(metric);
  if (!isComparator(op)) {
    throw new ConfigurationError(input, `comparator "${op}" is not supported; use <, <=, > or >=`, example);
  }
  const parsed = /^live\b/i.test(limitText)
    ? parseRelativeLimit(limitText, metric, input)
    : parseAbsoluteLimit(limitText, metric, input, example);
  return { text: `${metric.id} ${op} ${parsed.text}`, metric, comparator: op, limit: parsed.limit };
}

interface ParsedLimit {
  readonly limit: Limit;
  readonly text: string;
}

function parseAbsoluteLimit(text: string, metric: MetricSpec, input: string, example: string): ParsedLimit {
  const invalid = (problem: string) => new ConfigurationError(input, `limit "${text}": ${problem}`, example);
  if (metric.unit === 'none' || metric.unit === 'count') {
    const pattern = metric.unit === 'none' ? SIGNED_NUMBER : NUMBER;
    if (!pattern.test(text) || !Number.isFinite(Number(text))) {
      throw invalid(
        metric.unit === 'none' ? 'expected a number' : 'expected a non-negative number, without a unit',
      );
    }
    return absolute(Number(text), metric.unit);
  }
  const [, amountText, unitText = ''] = WITH_UNIT.exec(text) ?? [];
  if (amountText === undefined) throw invalid(`expected a number with a unit, or ${relativeExample(metric)}`);
  const unit = unitText.toLowerCase();
  const amount = Number(amountText);
  if (!Number.isFinite(amount)) throw invalid('the number is out of range');
  if (metric.unit === 'ms') {
    const factor = LATENCY_UNIT_MS[unit];
    if (unit === '') throw invalid('a latency needs a unit: ms, s or us');
    if (factor === undefined) throw invalid(`"${unitText}" is not a latency unit; use ms, s or us`);
    return absolute(amount * factor, 'ms');
  }
  const rate = metric.kind === 'error-rate' ? 'an error rate' : `a ${metric.id.replaceAll('-', ' ')}`;
  if (unit === '%') {
    if (amount > 100) throw invalid(`${rate} is at most 100%`);
    return absolute(amount / 100, 'ratio');
  }
  if (unit !== '') throw invalid(`${rate} is a percentage such as 1% or a ratio such as 0.01`);
  if (amount > 1)
    throw invalid(`a bare ${rate.replace(/^an? /, '')} is a ratio in [0, 1]; for percent write ${text}%`);
  return absolute(amount, 'ratio');
}

function absolute(value: number, unit: MetricUnit): ParsedLimit {
  return { limit: { kind: 'absolute', value }, text: formatInUnit(value, unit) };
}

function parseRelativeLimit(text: string, metric: MetricSpec, input: string): ParsedLimit {
  const example = relativeExample(metric);
  const invalid = (problem: string) => new ConfigurationError(input, `limit "${text}": ${problem}`, example);
  const match = RELATIVE.exec(text);
  if (!match)
    throw invalid('a relative limit is live, live * <factor>, live ± <percent>% or live ± <amount>');
  const [, factorText, sign, amountText, unitText = ''] = match;
  const unit = unitText.toLowerCase();
  const signed = sign === '-' ? -Number(amountText) : Number(amountText);
  let scale = factorText === undefined ? 1 : Number(factorText);
  let offset = 0;
  const parts = ['live'];
  if (factorText !== undefined) parts.push(`* ${formatDecimal(scale)}`);
  if (amountText !== undefined && unit === '%') {
    if (factorText !== undefined) throw invalid('use either * <factor> or ± <percent>%, not both');
    scale = 1 + signed / 100;
    if (scale < 0) throw invalid('the limit would be negative');
    parts.push(`${sign} ${formatDecimal(Number(amountText))}%`);
  } else if (amountText !== undefined) {
    offset = relativeOffset(signed, unit, metric, invalid);
    parts.push(`${sign} ${formatInUnit(Math.abs(offset), metric.unit).replace(/%$/, 'pp')}`);
  }
  if (!Number.isFinite(scale) || !Number.isFinite(offset)) throw invalid('a number is out of range');
  return { limit: { kind: 'relative', scale, offset }, text: parts.join(' ') };
}

/** The offset of `live ± <amount><unit>` in the metric's unit. */
function relativeOffset(
  amount: number,
  unit: string,
  metric: MetricSpec,
  invalid: (problem: string) => ConfigurationError,
): number {
  switch (metric.unit) {
    case 'ms': {
      const factor = LATENCY_UNIT_MS[unit];
      if (factor === undefined)
        throw invalid('a latency offset needs a unit: ms, s or us (or use % to scale)');
      return amount * factor;
    }
    case 'ratio':
      if (unit !== 'pp')
        throw invalid(
          `${metric.kind === 'error-rate' ? 'an' : 'a'} ${metric.id} offset is in percentage points (pp), or use % to scale`,
        );
      return amount / 100;
    case 'count':
    case 'none':
      if (unit !== '') throw invalid(`${metric.id} has no unit; write a bare number, or use % to scale`);
      return amount;
  }
}

function formatInUnit(value: number, unit: MetricUnit): string {
  if (unit === 'ms') return `${formatDecimal(value)}ms`;
  if (unit === 'ratio') return `${formatDecimal(value * 100)}%`;
  return formatDecimal(value);
}

function isComparator(op: string): op is Comparator {
  return (COMPARATORS as readonly string[]).includes(op);
}

function exampleFor(metric: MetricSpec): string {
  switch (metric.unit) {
    case 'ms':
      return `${metric.id} < 100ms`;
    case 'ratio':
      return `${metric.id} < 1%`;
    case 'count':
      return `${metric.id} >= 100`;
    case 'none':
      return `${metric.id} < 5`;
  }
}

function relativeExample(metric: MetricSpec): string {
  switch (metric.unit) {
    case 'ms':
      return `${metric.id} <= live + 20%`;
    case 'ratio':
      return `${metric.id} <= live + 0.5pp`;
    case 'count':
    case 'none':
      return `${metric.id} >= live * 0.9`;
  }
}
