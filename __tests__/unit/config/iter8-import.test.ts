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
        { input: 'experiment: spec.criteria.objectives[2].upperLimit', value: 'non-2xx-rate <= 0.01' },
      ],
      intervalMs: 10_000,
      iterations: 10,
    });
    expect(notes).toEqual([
      'Iter8: metadata.name mirroring → name mirroring',
      'Iter8: spec.strategy (testingPattern Conformance): its deployment pattern, weights and actions are not run; Shadowgate mirrors traffic to the dark revision and judges it (promotion: the promote input)',
      'Iter8: spec.target default/sample-app → namespace default, service sample-app',
      'Iter8: spec.versionInfo.baseline.variables[revision] sample-app-v2 → dark-revision sample-app-v2 (with no candidate, the baseline is the version judged)',
      'Iter8: spec.criteria.objectives[0] iter8-knative/mean-latency upperLimit 50 → mean-latency <= 50ms',
      'Iter8: spec.criteria.objectives[1] iter8-knative/95th-percentile-tail-latency upperLimit 100 → p95-latency <= 100ms',
      "Iter8: spec.criteria.objectives[2] iter8-knative/error-rate upperLimit 0.01 → non-2xx-rate <= 0.01 (Iter8's error-rate counts every response that is not 2xx, so it maps to non-2xx-rate; Shadowgate's own error-rate counts only 5xx)",
      'Iter8: spec.duration.intervalSeconds 10 → interval 10s',
      'Iter8: spec.duration.iterationsPerLoop 10 × maxLoops 1 (Iter8 default) → iterations 10',
      'Iter8: iter8-knative metrics are Knative queue-proxy (OpenCensus) metrics → metric-template knative-legacy',
      'Iter8: each objective is decided at 95% confidence on a bound valid at every iteration (confidence), so too few requests are inconclusive rather than a pass; Iter8 compared the value with the limit. confidence: off restores that rule',
      'Iter8: the run stops early as soon as an objective is confidently breached (fail-fast, on by default) or all are confidently met (early-pass, on by default); Iter8 ran every iteration and judged only the last. Set fail-fast: false and early-pass: false to run them all',
      'Iter8: fewer dark requests than min-requests (default 10) in the window leave objectives inconclusive; Iter8 judged any sample size. spec.criteria.requestCount is not needed for this',
      'Iter8: missing data (an empty result, NaN, a Prometheus down past its retries) makes the run inconclusive, never a pass, and the job fails on it unless on-inconclusive: pass; Iter8 reused the previous value after a backend error and otherwise failed the objective',
    ]);
  });

  it('takes the dark revision from baseline.name (v0.5+ style) and applies Iter8 duration defaults', () => {
    const { settings, notes } = importText(withSpec(MINIMAL_SPEC));
    expect(settings.darkRevision).toBe('sample-app-v2');
    expect(settings.intervalMs).toBe(20_000);
    expect(settings.iterations).toBe(15);
    expect(notes).toContain(
      'Iter8: spec.versionInfo.baseline.name sample-app-v2 → dark-revision sample-app-v2 (with no candidate, the baseline is the version judged)',
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
      'non-2xx-rate <= 0.01',
      'non-2xx-rate >= 0',
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

  it('reads iter8-system/* (the names before the iter8-knative rename) as the same Knative metrics', () => {
    const spec = MINIMAL_SPEC.replace('iter8-knative/mean-latency', 'iter8-system/mean-latency');
    expect(importText(withSpec(spec)).settings.objectives).toEqual([
      { input: 'experiment: spec.criteria.objectives[0].upperLimit', value: 'mean-latency <= 50ms' },
    ]);
  });

  it('notes a metrics/collect task it does not run when the metrics are Knative ones', () => {
    const spec = MINIMAL_SPEC.replace(
      '  criteria:\n',
      '  strategy: {testingPattern: Conformance, actions: {start: [{task: metrics/collect}]}}\n  criteria:\n',
    );
    expect(importText(withSpec(spec)).notes).toContain(
      "Iter8: spec.strategy.actions.start[0] (metrics/collect, Iter8's own load generator) not run; load-rate sets Shadowgate's own load",
    );
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
      /"iter8-knative\/error-count" cannot be imported; supported: iter8-knative\/mean-latency, iter8-knative\/95th-percentile-tail-latency, iter8-knative\/error-rate, iter8-knative\/request-count \(also as iter8-system\/…, their names before April 2021\)/,
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
      /expected <namespace>\/<service> of a Knative service/,
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
      MINIMAL_SPEC.replace('  versionInfo:\n    baseline: {name: sample-app-v2}\n', ''),
      'experiment: spec.versionInfo',
      /^Invalid experiment: spec\.versionInfo: missing\. It names the versions \(Knative revisions\): the baseline is judged in a Conformance experiment, the candidate in a Canary one, and Shadowgate needs it for the dark revision/,
    ],
    [
      MINIMAL_SPEC.replace(
        '  versionInfo:\n    baseline: {name: sample-app-v2}\n',
        '  versionInfo: [sample-app-v2]\n',
      ),
      'experiment: spec.versionInfo',
      /expected a mapping/,
    ],
    [
      MINIMAL_SPEC.replace('  criteria:\n', '  strategy: {testingPattern: A/B}\n  criteria:\n'),
      'experiment: spec.strategy.testingPattern',
      /testingPattern A\/B: Iter8 picks the winner by a reward\)\. A reward is not an SLO, and a gate cannot pick a winner/,
    ],
    [
      MINIMAL_SPEC.replace('iter8-knative/mean-latency', 'iter8-system/latency-95th-percentile'),
      'experiment: spec.criteria.objectives[0]',
      /iter8-system\/latency-95th-percentile, one of Iter8's builtin metrics, so the file's iter8-system metrics are measured by Iter8's own load generator/,
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

// Real files from Iter8's history (fixtures/iter8/SOURCES.md says where each comes from), as they are.
describe('Iter8 v2alpha2 import of real Iter8 files', () => {
  const real = (name: string) => importText(fixture(`iter8/${name}`));
  const objectiveLines = (name: string) => real(name).settings.objectives?.map((entry) => entry.value);
  const TUTORIAL_OBJECTIVES = ['mean-latency <= 50ms', 'p95-latency <= 100ms', 'non-2xx-rate <= 0.01'];

  it.each([
    ['knative-mirroring.yaml', { darkRevision: 'sample-app-v2' }],
    ['knative-conformance.yaml', { darkRevision: 'sample-app-v1' }],
  ])('%s: a Conformance experiment judges its baseline, the dark revision', (name, revisions) => {
    const { settings } = real(name);
    expect(settings).toMatchObject({ namespace: 'default', service: 'sample-app', ...revisions });
    expect(settings.liveRevision).toBeUndefined();
    expect(objectiveLines(name)).toEqual(TUTORIAL_OBJECTIVES);
    expect(settings).toMatchObject({ intervalMs: 10_000, iterations: 10, metricTemplate: 'knative-legacy' });
  });

  it.each(['knative-canaryprogressive.yaml', 'knative-canaryfixedsplit.yaml'])(
    '%s: a Canary experiment judges its candidate (dark); the baseline is live',
    (name) => {
      const { settings, notes } = real(name);
      expect(settings).toMatchObject({ darkRevision: 'sample-app-v2', liveRevision: 'sample-app-v1' });
      expect(objectiveLines(name)).toEqual(TUTORIAL_OBJECTIVES);
      expect(notes).toContain(
        'Iter8: spec.versionInfo.candidates[0].name sample-app-v2 → dark-revision sample-app-v2 (the candidate is the version judged)',
      );
    },
  );

  it('docs-iter8-system-canary.yaml: the March 2021 iter8-system names are the same Knative metrics', () => {
    const { settings } = real('docs-iter8-system-canary.yaml');
    expect(settings).toMatchObject({
      darkRevision: 'sample-app-v2',
      liveRevision: 'sample-app-v1',
      intervalMs: 20_000,
      iterations: 12,
    });
    expect(objectiveLines('docs-iter8-system-canary.yaml')).toEqual(TUTORIAL_OBJECTIVES);
  });

  it.each([
    [
      'knative-quickstart-ab.yaml',
      'experiment: spec.criteria.rewards',
      'spec.criteria.rewards: Iter8 picks the version with the best reward among those that meet the objectives). A reward is not an SLO, and a gate cannot pick a winner',
    ],
    [
      'knative-hybrid.yaml',
      'experiment: spec.criteria.rewards',
      'A reward is not an SLO, and a gate cannot pick a winner',
    ],
    [
      'kfserving-quickstart.yaml',
      'experiment: spec.criteria.objectives[0]',
      'Shadowgate gates Knative services; this experiment targets a KFServing InferenceService (spec.criteria.objectives[0] names the metric iter8-kfserving/mean-latency)',
    ],
    [
      'seldon-quickstart.yaml',
      'experiment: spec.criteria.objectives[0]',
      'Shadowgate gates Knative services; this experiment targets a Seldon deployment (SeldonDeployment) (spec.criteria.objectives[0] names the metric iter8-seldon/mean-latency)',
    ],
    [
      'docs-slovalidation-builtin.yaml',
      'experiment: spec.criteria.objectives[0]',
      "iter8-system/mean-latency cannot be imported: spec.strategy.actions.loop[0] is Iter8's metrics/collect task, so the file's iter8-system metrics are measured by Iter8's own load generator",
    ],
  ])('%s is refused, naming %s and why', (name, input, why) => {
    const error = errorOf(() => real(name));
    expect(error.input).toBe(input);
    expect(error.message).toContain(why);
  });
});
