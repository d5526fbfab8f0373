import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../../../src/config/experiment-file.js';
import { parseObjectiveEntries } from '../../../src/config/objective-parser.js';
import { errorOf, filesystem, fixture } from './fixture-files.js';

const NO_FILES = filesystem({});
const TUTORIAL = fixture('iter8-mirroring-experiment.yaml');
const importText = (text: string) => parseExperimentFile(text, NO_FILES);

/** The tutorial experiment with `spec` replaced by the given YAML (indented two spaces). */
function withSpec(spec: string): string {
  return `apiVersion: iter8.tools/v2alpha2\nkind: Experiment\nmetadata: {name: exp}\nspec:\n${spec}`;
}

const MINIMAL_SPEC = `  target: default/sample-app
  criteria:
    objectives:
    - metric: iter8-knative/mean-latency
      upperLimit: 50
  versionInfo:
    baseline: {name: sample-app-v2}
`;

describe('Iter8 v2alpha2 import', () => {
  it('maps the mirroring tutorial experiment unchanged', () => {
    const { settings, notes } = importText(TUTORIAL);
    expect(settings).toEqual({
      name: 'mirroring',
      namespace: 'default',
      service: 'sample-app',
      darkRevision: 'sample-app-v2',
      metricTemplate: 'knative-legacy',
      objectives: [
        { input: 'experiment: spec.criteria.objectives[0].upperLimit', value: 'mean-latency <= 50ms' },
        { input: 'experiment: spec.criteria.objectives[1].upperLimit', value: 'p95-latency <= 100ms' },
        { input: 'experiment: spec.criteria.objectives[2].upperLimit', value: 'error-rate <= 0.01' },
      ],
      intervalMs: 10_000,
      iterations: 10,
    });
    expect(notes).toEqual([
      'Iter8: metadata.name mirroring → name mirroring',
      'Iter8: spec.strategy (testingPattern Conformance) ignored; Shadowgate mirrors traffic to the dark revision and judges it',
      'Iter8: spec.target default/sample-app → namespace default, service sample-app',
      'Iter8: spec.versionInfo.baseline.variables[revision] sample-app-v2 → dark-revision sample-app-v2',
      'Iter8: spec.criteria.objectives[0] iter8-knative/mean-latency upperLimit 50 → mean-latency <= 50ms',
      'Iter8: spec.criteria.objectives[1] iter8-knative/95th-percentile-tail-latency upperLimit 100 → p95-latency <= 100ms',
      'Iter8: spec.criteria.objectives[2] iter8-knative/error-rate upperLimit 0.01 → error-rate <= 0.01',
      'Iter8: spec.duration.intervalSeconds 10 → interval 10s',
      'Iter8: spec.duration.iterationsPerLoop 10 × maxLoops 1 (Iter8 default) → iterations 10',
      'Iter8: iter8-knative metrics are Knative queue-proxy (OpenCensus) metrics → metric-template knative-legacy',
    ]);
  });

  it('takes the dark revision from baseline.name (v0.5+ style) and applies Iter8 duration defaults', () => {
    const { settings, notes } = importText(withSpec(MINIMAL_SPEC));
    expect(settings.darkRevision).toBe('sample-app-v2');
    expect(settings.intervalMs).toBe(20_000);
    expect(settings.iterations).toBe(15);
    expect(notes).toContain(
      'Iter8: spec.versionInfo.baseline.name sample-app-v2 → dark-revision sample-app-v2',
    );
    expect(notes).toContain('Iter8: spec.duration.intervalSeconds 20 (Iter8 default) → interval 20s');
    expect(notes).toContain(
      'Iter8: spec.duration.iterationsPerLoop 15 (Iter8 default) × maxLoops 1 (Iter8 default) → iterations 15',
    );
  });

  it('multiplies iterationsPerLoop by maxLoops', () => {
    const spec = `${MINIMAL_SPEC}  duration: {intervalSeconds: 5, iterationsPerLoop: 4, maxLoops: 3}\n`;
    expect(importText(withSpec(spec)).settings).toMatchObject({ intervalMs: 5000, iterations: 12 });
  });

  it('maps bare metric names, lower limits and Quantity limits', () => {
    const spec = MINIMAL_SPEC.replace(
      '    - metric: iter8-knative/mean-latency\n      upperLimit: 50\n',
      [
        '    - {metric: 95th-percentile-tail-latency, upperLimit: 1500m}',
        '    - {metric: request-count, lowerLimit: 1k}',
        '    - {metric: error-rate, upperLimit: 1e-2, lowerLimit: "0"}',
        '',
      ].join('\n'),
    );
    expect(importText(withSpec(spec)).settings.objectives?.map((entry) => entry.value)).toEqual([
      'p95-latency <= 1.5ms',
      'request-count >= 1000',
      'error-rate <= 0.01',
      'error-rate >= 0',
    ]);
  });

  it('maps a Canary candidate to the dark revision and its baseline to the live one', () => {
    const spec = MINIMAL_SPEC.replace(
      '    baseline: {name: sample-app-v2}',
      '    baseline: {name: sample-app-v1}\n    candidates: [{name: sample-app-v2}]',
    );
    expect(importText(withSpec(spec)).settings).toMatchObject({
      darkRevision: 'sample-app-v2',
      liveRevision: 'sample-app-v1',
    });
  });

  it('notes what it ignores', () => {
    const spec = MINIMAL_SPEC.replace(
      '  criteria:\n',
      '  criteria:\n    requestCount: iter8-knative/request-count\n    indicators: [iter8-knative/error-count]\n',
    ).replace('      upperLimit: 50\n', '      upperLimit: 50\n      rollback_on_failure: true\n');
    const { notes } = importText(withSpec(spec));
    expect(notes).toContain(
      'Iter8: spec.criteria.requestCount ignored (only objectives gate; min-requests guards the sample size)',
    );
    expect(notes).toContain(
      'Iter8: spec.criteria.objectives[0].rollback_on_failure ignored (a failed objective fails the run)',
    );
  });

  it.each([
    [
      MINIMAL_SPEC.replace('iter8-knative/mean-latency', 'iter8-knative/error-count'),
      'experiment: spec.criteria.objectives[0].metric',
      /"iter8-knative\/error-count" cannot be imported; supported: iter8-knative\/mean-latency, iter8-knative\/95th-percentile-tail-latency, iter8-knative\/error-rate, iter8-knative\/request-count/,
    ],
    [
      MINIMAL_SPEC.replace('iter8-knative/mean-latency', 'iter8-istio/mean-latency'),
      'experiment: spec.criteria.objectives[0].metric',
      /cannot be imported/,
    ],
    [
      MINIMAL_SPEC.replace('upperLimit: 50', 'upperLimit: fifty'),
      'experiment: spec.criteria.objectives[0].upperLimit',
      /not a Kubernetes quantity/,
    ],
    [
      MINIMAL_SPEC.replace('upperLimit: 50', 'target: 50'),
      'experiment: spec.criteria.objectives[0]',
      /needs upperLimit or lowerLimit/,
    ],
    [
      MINIMAL_SPEC.replace('iter8-knative/mean-latency', 'iter8-knative/error-rate').replace('50', '5'),
      'experiment: spec.criteria.objectives[0].upperLimit',
      /ratio in \[0, 1\]/,
    ],
    [
      MINIMAL_SPEC.replace('default/sample-app', 'sample-app'),
      'experiment: spec.target',
      /expected <namespace>\/<service>/,
    ],
    [
      MINIMAL_SPEC.replace('default/sample-app', 'Default/app'),
      'experiment: spec.target',
      /Kubernetes accepts only/,
    ],
    [
      MINIMAL_SPEC.replace('{name: sample-app-v2}', '{}'),
      'experiment: spec.versionInfo.baseline.name',
      /not a valid Kubernetes name/,
    ],
    [
      MINIMAL_SPEC.replace('{name: sample-app-v2}', '{name: a}\n    candidates: [{name: b}, {name: c}]'),
      'experiment: spec.versionInfo.candidates',
      /at most one candidate/,
    ],
    [
      MINIMAL_SPEC.replace(/ {2}criteria:[\s\S]*?(?= {2}versionInfo)/, ''),
      'experiment: spec.criteria',
      /expected a mapping/,
    ],
    [
      `${MINIMAL_SPEC}  duration: {intervalSeconds: 0}\n`,
      'experiment: spec.duration.intervalSeconds',
      /from 1 to 10000/,
    ],
    [
      `${MINIMAL_SPEC}  duration: {iterationsPerLoop: 1000, maxLoops: 1000}\n`,
      'experiment: spec.duration',
      /from 1 to 10000/,
    ],
  ])('rejects %j naming %s', (spec, input, problem) => {
    const error = errorOf(() => {
      const { settings } = importText(withSpec(spec));
      // Limits are checked when objectives are parsed, as for every other source.
      return parseObjectiveEntries(settings.objectives ?? [], new Set());
    });
    expect(error.input).toBe(input);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain('Example: ');
  });

  it('rejects other Iter8 versions', () => {
    const text = TUTORIAL.replace('iter8.tools/v2alpha2', 'iter8.tools/v2beta1');
    expect(errorOf(() => importText(text)).message).toMatch(/only Iter8 iter8\.tools\/v2alpha2 Experiments/);
  });
});
