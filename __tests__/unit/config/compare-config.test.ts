import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/build-config.js';
import { DEFAULT_IGNORED_HEADERS, DEFAULT_SECRET_NAMES } from '../../../src/config/compare-values.js';
import type { ConfigDependencies } from '../../../src/config/config-dependencies.js';
import { errorOf, filesystem } from './fixture-files.js';

const LOCAL: Readonly<Record<string, string>> = {
  service: 'checkout',
  metrics: 'builtin',
  'live-command': 'node samples/app/server.mjs',
  'dark-command': 'node samples/app/server.mjs --change "GET /products/42 $.price=1"',
  objectives: 'response-mismatch-rate < 0.5%',
};

const FILES = filesystem({
  'experiment.yaml': [
    'apiVersion: shadowgate.dev/v1alpha1',
    'kind: Experiment',
    'target: {service: checkout}',
    'metrics: builtin',
    'traffic:',
    '  live: {command: node live.js}',
    '  liveReplica: {command: node live.js}',
    '  dark: {command: node dark.js}',
    '  load: {replay: traffic.har, replayFormat: har, replayUnsafeMethods: true}',
    'compare:',
    "  ignore: [$.servedAt, '$..traceId', X-Served-By]",
    '  maxBody: 512Ki',
    '  bodies: text',
    '  secrets: [x-internal-*]',
    'objectives: [response-mismatch-rate <= live + 0.1pp]',
  ].join('\n'),
});

function build(inputs: Readonly<Record<string, string>>, deps: ConfigDependencies = FILES) {
  return buildConfig((name) => inputs[name] ?? '', deps);
}

describe('compare settings', () => {
  it('a response-mismatch-rate objective turns the comparison on, with the documented defaults', () => {
    const config = build(LOCAL);
    expect(config.plan.objectives[0]).toMatchObject({
      text: 'response-mismatch-rate < 0.5%',
      metric: { id: 'response-mismatch-rate', kind: 'response-mismatch-rate', unit: 'ratio' },
      limit: { kind: 'absolute', value: 0.005 },
    });
    expect(config.traffic?.mirror).toEqual({
      kind: 'builtin',
      percent: 100,
      unsafeMethods: false,
      port: 0,
      compare: {
        ignorePaths: [],
        ignoreHeaders: DEFAULT_IGNORED_HEADERS,
        maxBodyBytes: 1024 * 1024,
        bodies: 'bytes',
        secretNames: DEFAULT_SECRET_NAMES,
      },
    });
  });

  it('is off without anything that asks for it, and on with compare: true', () => {
    const plain = { ...LOCAL, objectives: 'error-rate < 1%' };
    expect(build(plain).traffic?.mirror).not.toHaveProperty('compare');
    expect(build({ ...plain, compare: 'true' }).traffic?.mirror).toHaveProperty('compare');
  });

  it('reads the compare section, the live replica and the replay from an experiment file', () => {
    const config = build({ experiment: 'experiment.yaml' });
    expect(config.traffic?.liveReplica).toEqual({ command: 'node live.js' });
    expect(config.traffic?.mirror).toMatchObject({
      compare: {
        ignorePaths: [
          [{ kind: 'key', name: 'servedAt' }],
          [{ kind: 'descendants' }, { kind: 'key', name: 'traceId' }],
        ],
        ignoreHeaders: [...DEFAULT_IGNORED_HEADERS, 'x-served-by'],
        maxBodyBytes: 512 * 1024,
        bodies: 'text',
        secretNames: [...DEFAULT_SECRET_NAMES, 'x-internal-*'],
      },
    });
    // No rate: the replay keeps its recorded pace.
    expect(config.traffic?.load).toEqual({
      concurrency: 64,
      requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
      replay: { path: 'traffic.har', format: 'har', unsafeMethods: true },
    });
    expect(config.plan.objectives[0]?.limit).toEqual({ kind: 'relative', scale: 1, offset: 0.001 });
  });

  it('refuses combinations that cannot work, naming the input', () => {
    expect(errorOf(() => build({ ...LOCAL, compare: 'false' })).message).toBe(
      'Invalid compare: is false, but the objective "response-mismatch-rate < 0.5%" needs the response comparison\n  Example: compare: true',
    );
    expect(
      errorOf(() =>
        build({
          service: 'checkout',
          namespace: 'shop',
          'prometheus-url': 'http://prom:9090',
          'dark-revision': 'c-2',
          objectives: 'response-mismatch-rate < 1%',
        }),
      ).message,
    ).toMatch(
      /^Invalid objectives: "response-mismatch-rate < 1%": only Shadowgate's own mirroring proxy sees both answers/,
    );
    expect(errorOf(() => build({ ...LOCAL, 'compare-max-body': '100' })).message).toBe(
      'Invalid compare-max-body: must be a whole number of bytes from 1Ki to 256Mi\n  Example: 1Mi',
    );
    expect(errorOf(() => build({ ...LOCAL, 'compare-ignore': '$.a[?(@.b)]' })).message).toMatch(
      /^Invalid compare-ignore\[0\]: "\$\.a\[\?\(@\.b\)\]" is not a JSON path/,
    );
    expect(errorOf(() => build({ ...LOCAL, objectives: 'response-mismatch-rate < 101%' })).message).toMatch(
      /a response mismatch rate is at most 100%/,
    );
  });

  it('load-replay replaces load-requests and needs no rate, but not with load-target job', () => {
    expect(
      errorOf(() => build({ ...LOCAL, 'load-replay': 'traffic.har', 'load-requests': '[/a]' })).message,
    ).toBe(
      'Invalid load-requests: load-replay sends the recorded requests as they were; remove this or load-replay\n  Example: load-replay: .github/shadowgate/traffic.har',
    );
    expect(build({ ...LOCAL, 'load-replay': 'access.log', 'load-rate': '40' }).traffic?.load).toMatchObject({
      ratePerSecond: 40,
      replay: { path: 'access.log', format: 'auto', unsafeMethods: false },
    });
  });
});
