import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_INPUTS } from '../../../src/config/action-inputs.js';
import { buildConfig } from '../../../src/config/build-config.js';
import { parseExperimentFile } from '../../../src/config/experiment-file.js';
import { parseObjective } from '../../../src/config/objective-parser.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';
import { CA_PEM, filesystem, fixture } from './fixture-files.js';

const CUSTOM = new Set(['queue-depth']);
const VALID_LINES = [
  'p95-latency < 100ms',
  'error-rate <= 0.5%',
  'p99.9-latency <= live * 1.1 + 2ms',
  'error-rate <= live + 0.5pp',
  'request-count >= 100',
  'queue-depth < -3',
  '95th-percentile-tail-latency > live - 10%',
];
const VALID_FILES = [
  'experiment-istio.yaml',
  'experiment-custom.yaml',
  'iter8-mirroring-experiment.yaml',
  'experiment-knative-cluster.yaml',
].map(fixture);
const DEPS = filesystem({ 'certs/mimir-ca.pem': CA_PEM });
const OBJECTIVE_CHARS = fc.constantFrom(
  ...'<>=!*+-%.,:#&[]{}"\' \t\nlivemspu0123456789e'.split(''),
  'µ',
  'live',
);
const YAML_CHARS = fc.constantFrom(
  ...':-[]{}&*!|>?#,"\'% \t\n0123456789abc'.split(''),
  '<<: *a',
  '&a',
  '*a',
  '\n  ',
);

/** Runs `action`; anything it throws must be a ConfigurationError. */
function onlyConfigurationErrors(action: () => unknown): boolean {
  try {
    action();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
  }
  return true;
}

/** A random edit of `text`: delete a span, insert noise, or duplicate a line. */
function mutation(texts: readonly string[], noise: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...texts),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat({ max: 20 }),
          fc.oneof(fc.string({ unit: noise, maxLength: 8 }), fc.constant('')),
        ),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      fc.boolean(),
    )
    .map(([text, edits, duplicateLine]) => {
      let mutated = text;
      for (const [position, length, insert] of edits) {
        const at = position % (mutated.length + 1);
        mutated = mutated.slice(0, at) + insert + mutated.slice(at + length);
      }
      if (duplicateLine) {
        const lines = mutated.split('\n');
        const line = lines[edits.length % lines.length] ?? '';
        lines.splice(edits.length % lines.length, 0, line);
        mutated = lines.join('\n');
      }
      return mutated;
    });
}

describe('fuzz: only ConfigurationError escapes', () => {
  it('parseObjective on random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (line) =>
        onlyConfigurationErrors(() => parseObjective(line, 'objectives', CUSTOM)),
      ),
      {
        numRuns: 2000,
      },
    );
  });

  it('parseObjective on mutations of valid lines', () => {
    fc.assert(
      fc.property(mutation(VALID_LINES, OBJECTIVE_CHARS), (line) =>
        onlyConfigurationErrors(() => parseObjective(line, 'objectives', CUSTOM)),
      ),
      { numRuns: 3000 },
    );
  });

  it('parseExperimentFile on mutations of valid files', () => {
    fc.assert(
      fc.property(mutation(VALID_FILES, YAML_CHARS), (text) =>
        onlyConfigurationErrors(() => parseExperimentFile(text, DEPS)),
      ),
      { numRuns: 1500 },
    );
  });

  it('buildConfig on mutated files and random inputs', () => {
    const inputNames = Object.keys(ACTION_INPUTS).filter((name) => name !== 'experiment');
    fc.assert(
      fc.property(
        mutation(VALID_FILES, YAML_CHARS),
        fc.dictionary(
          fc.constantFrom(...inputNames),
          fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...VALID_LINES)),
        ),
        (text, inputs) =>
          onlyConfigurationErrors(() =>
            buildConfig((name) => (name === 'experiment' ? 'file.yaml' : (inputs[name] ?? '')), {
              readFile: (path) => (path === 'file.yaml' ? text : DEPS.readFile(path)),
            }),
          ),
      ),
      { numRuns: 1000 },
    );
  });

  it.each([
    [
      'an alias bomb',
      `a: &a ["x","x","x","x","x","x","x","x","x","x"]\n${'bcdefghij'
        .split('')
        .map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(',')}]`)
        .join('\n')}`,
    ],
    ['deep nesting', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['deep mappings', Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')],
    [
      'a huge file',
      `apiVersion: shadowgate.dev/v1alpha1\nkind: Experiment\n# ${'x'.repeat(2 * 1024 * 1024)}`,
    ],
    ['many keys', Array.from({ length: 80_000 }, (_, i) => `k${i}: ${i}`).join('\n')],
    ['binary noise', String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 65_536))],
    ['a merge key', 'base: &b {x: 1}\n<<: *b\napiVersion: shadowgate.dev/v1alpha1\nkind: Experiment'],
    ['custom tags', 'apiVersion: !!js/function "x"\nkind: !Experiment y'],
  ])('parseExperimentFile on %s', (_, text) => {
    expect(onlyConfigurationErrors(() => parseExperimentFile(text, DEPS))).toBe(true);
  });
});
