import { describe, expect, it } from 'vitest';
import {
  objectiveEntries,
  parseObjective,
  parseObjectiveEntries,
} from '../../../src/config/objective-parser.js';
import { errorOf } from './fixture-files.js';

const NONE = new Set<string>();
const parse = (line: string, custom: ReadonlySet<string> = NONE) =>
  parseObjective(line, 'objectives line 1', custom);

describe('parseObjective: metrics', () => {
  it.each([
    ['mean-latency < 50ms', { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' }],
    ['latency-mean < 50ms', { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' }],
    ['p95-latency < 50ms', { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' }],
    [
      'p99.9-latency < 50ms',
      { id: 'p99.9-latency', kind: 'latency-percentile', percentile: 99.9, unit: 'ms' },
    ],
    ['p95.0-latency < 50ms', { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' }],
    ['latency-p95 < 50ms', { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' }],
    ['p95 < 50ms', { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' }],
    [
      '95th-percentile-tail-latency < 50ms',
      { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' },
    ],
    ['P95-Latency < 50ms', { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' }],
    ['error-rate < 1%', { id: 'error-rate', kind: 'error-rate', unit: 'ratio' }],
    ['request-count >= 100', { id: 'request-count', kind: 'request-count', unit: 'count' }],
  ])('%s', (line, metric) => {
    expect(parse(line).metric).toEqual(metric);
  });

  it('accepts a custom metric id only when it is known', () => {
    expect(parse('queue-depth <= 20', new Set(['queue-depth'])).metric).toEqual({
      id: 'queue-depth',
      kind: 'custom',
      unit: 'none',
    });
    expect(() => parse('queue-depth <= 20')).toThrow(/unknown metric "queue-depth".*queries/);
  });

  it('suggests a close metric name', () => {
    expect(errorOf(() => parse('eror-rate < 1%')).message).toContain('did you mean "error-rate"?');
  });

  it.each(['p0-latency < 1ms', 'p100-latency < 1ms', 'p150-latency < 1ms'])(
    'rejects percentile out of range: %s',
    (line) => {
      expect(() => parse(line)).toThrow(/percentile .* not between 0 and 100/);
    },
  );
});

describe('parseObjective: absolute limits', () => {
  it.each([
    ['p95-latency < 100ms', '<', 100, 'p95-latency < 100ms'],
    ['p95-latency<100ms', '<', 100, 'p95-latency < 100ms'],
    ['  p95-latency   <=   0.25s  ', '<=', 250, 'p95-latency <= 250ms'],
    ['p95-latency < 100 MS', '<', 100, 'p95-latency < 100ms'],
    ['p95-latency < 500us', '<', 0.5, 'p95-latency < 0.5ms'],
    ['p95-latency < 500µs', '<', 0.5, 'p95-latency < 0.5ms'],
    ['error-rate < 1%', '<', 0.01, 'error-rate < 1%'],
    ['error-rate < 0.01', '<', 0.01, 'error-rate < 1%'],
    ['error-rate <= 0.7%', '<=', 0.007, 'error-rate <= 0.7%'],
    ['error-rate < 100%', '<', 1, 'error-rate < 100%'],
    ['request-count >= 100', '>=', 100, 'request-count >= 100'],
    ['request-count > 1e3', '>', 1000, 'request-count > 1000'],
  ])('%s', (line, comparator, value, text) => {
    const objective = parse(line);
    expect(objective.comparator).toBe(comparator);
    expect(objective.limit.kind).toBe('absolute');
    expect(objective.limit.kind === 'absolute' && objective.limit.value).toBeCloseTo(value, 12);
    expect(objective.text).toBe(text);
  });

  it('accepts signed numbers for custom metrics', () => {
    expect(parse('drift > -5', new Set(['drift'])).limit).toEqual({ kind: 'absolute', value: -5 });
  });

  it.each([
    ['p95-latency < 100', /latency needs a unit: ms, s or us/],
    ['p95-latency < 100kg', /expected a number with a unit/],
    ['p95-latency < 1%', /"%" is not a latency unit/],
    ['p95-latency < -5ms', /expected a number with a unit/],
    ['error-rate < 101%', /at most 100%/],
    ['error-rate < 5', /ratio in \[0, 1\]; for percent write 5%/],
    ['error-rate < 5ms', /percentage such as 1% or a ratio/],
    ['request-count >= 100ms', /non-negative number, without a unit/],
    ['request-count >= -1', /non-negative number/],
    ['p95-latency = 100ms', /comparator "=" is not supported/],
    ['p95-latency == 100ms', /comparator "==" is not supported/],
    ['p95-latency 100ms', /is not an objective; write <metric> <op> <limit>/],
    ['p95-latency <', /is not an objective/],
    ['', /is not an objective/],
    ['p95-latency < 1e999ms', /out of range/],
  ])('rejects %j', (line, problem) => {
    const error = errorOf(() => parse(line));
    expect(error.input).toBe('objectives line 1');
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/\n {2}Example: /);
  });
});

describe('parseObjective: relative limits', () => {
  it.each([
    ['p99-latency <= live', 1, 0, 'p99-latency <= live'],
    ['p99-latency <= live + 20%', 1.2, 0, 'p99-latency <= live + 20%'],
    ['p99-latency <= LIVE+20%', 1.2, 0, 'p99-latency <= live + 20%'],
    ['p99-latency <= live - 10%', 0.9, 0, 'p99-latency <= live - 10%'],
    ['p99-latency <= live * 1.5', 1.5, 0, 'p99-latency <= live * 1.5'],
    ['p99-latency <= live + 5ms', 1, 5, 'p99-latency <= live + 5ms'],
    ['p99-latency <= live + 0.01s', 1, 10, 'p99-latency <= live + 10ms'],
    ['p99-latency <= live - 500us', 1, -0.5, 'p99-latency <= live - 0.5ms'],
    ['p99-latency <= live * 1.1 + 2ms', 1.1, 2, 'p99-latency <= live * 1.1 + 2ms'],
    ['error-rate <= live + 0.5pp', 1, 0.005, 'error-rate <= live + 0.5pp'],
    ['error-rate <= live + 10%', 1.1, 0, 'error-rate <= live + 10%'],
    ['request-count >= live * 0.9', 0.9, 0, 'request-count >= live * 0.9'],
    ['request-count >= live - 50', 1, -50, 'request-count >= live - 50'],
  ])('%s', (line, scale, offset, text) => {
    const objective = parse(line);
    expect(objective.limit.kind).toBe('relative');
    if (objective.limit.kind !== 'relative') return;
    expect(objective.limit.scale).toBeCloseTo(scale, 12);
    expect(objective.limit.offset).toBeCloseTo(offset, 12);
    expect(objective.text).toBe(text);
  });

  it.each([
    ['p99-latency <= live + 5', /latency offset needs a unit/],
    ['error-rate <= live + 0.5', /percentage points \(pp\)/],
    ['error-rate <= live + 0.5ms', /percentage points \(pp\)/],
    ['request-count >= live + 5ms', /has no unit/],
    ['p99-latency <= live * 1.5 + 20%', /either \* <factor> or ± <percent>%/],
    ['p99-latency <= live - 150%', /would be negative/],
    ['p99-latency <= live + + 5ms', /relative limit is live/],
    ['p99-latency <= live / 2', /relative limit is live/],
  ])('rejects %j with a relative example', (line, problem) => {
    const error = errorOf(() => parse(line));
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/Example: .* live /);
  });
});

describe('objectiveEntries', () => {
  it('splits lines, skipping blanks and comments, numbering lines from 1', () => {
    const entries = objectiveEntries(
      '# latency\np95-latency < 100ms\n\n  error-rate < 1%  \r\n',
      'objectives',
    );
    expect(entries).toEqual([
      { input: 'objectives line 2', value: 'p95-latency < 100ms' },
      { input: 'objectives line 4', value: 'error-rate < 1%' },
    ]);
  });

  it('reads a YAML list written in the input, strings and mappings', () => {
    const text = "# gate\n- p95-latency < 100ms\n- {metric: error-rate, op: '<', limit: 1%}\n";
    const objectives = parseObjectiveEntries(objectiveEntries(text, 'objectives'), NONE);
    expect(objectives.map((objective) => objective.text)).toEqual(['p95-latency < 100ms', 'error-rate < 1%']);
  });

  it('labels list items by index', () => {
    expect(objectiveEntries(['a', 'b'], 'experiment: objectives')[1]?.input).toBe(
      'experiment: objectives[1]',
    );
  });

  it('rejects anything else', () => {
    expect(() => objectiveEntries({ a: 1 }, 'experiment: objectives')).toThrow(
      /Invalid experiment: objectives: expected a list/,
    );
  });

  it('names the line at fault', () => {
    const entries = objectiveEntries('p95-latency < 100ms\n\nerror-rate < 2', 'objectives');
    expect(errorOf(() => parseObjectiveEntries(entries, NONE)).input).toBe('objectives line 3');
  });
});

describe('parseObjectiveEntries: mapping form', () => {
  const at = 'experiment: objectives[2]';
  const parseItem = (value: unknown) => parseObjectiveEntries([{ input: at, value }], NONE)[0];

  it('parses {metric, op, limit} with a string or number limit', () => {
    expect(parseItem({ metric: 'p95-latency', op: '<', limit: '100ms' })?.text).toBe('p95-latency < 100ms');
    expect(parseItem({ metric: 'error-rate', op: '<=', limit: 0.01 })?.text).toBe('error-rate <= 1%');
    expect(parseItem({ metric: 'p99-latency', op: '<=', limit: 'live + 20%' })?.limit).toEqual({
      kind: 'relative',
      scale: 1.2,
      offset: 0,
    });
  });

  it.each([
    [{ metric: 'p95-latency', op: '<', limt: '100ms' }, /unknown key "limt" \(did you mean "limit"\?\)/],
    [{ metric: 'p95-latency', limit: '100ms' }, /metric, op and limit must all be set/],
    [{ metric: 'p95-latency', op: null, limit: '100ms' }, /quote the op/],
    [42, /expected a line `<metric> <op> <limit>` or a mapping/],
    [{ metric: 'p95-latency', op: '<', limit: 100 }, /latency needs a unit/],
  ])('rejects %j naming the item', (value, problem) => {
    const error = errorOf(() => parseItem(value));
    expect(error.input).toBe(at);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain('Example: ');
  });
});
