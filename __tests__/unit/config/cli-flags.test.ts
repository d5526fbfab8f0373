import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ACTION_INPUTS } from '../../../src/config/action-inputs.js';
import { buildConfig } from '../../../src/config/build-config.js';
import { flagInputs, INPUT_FLAGS, inputFlagOptions, inputFlagsHelp } from '../../../src/config/cli-flags.js';

const parse = (args: string[]) =>
  parseArgs({ args, allowPositionals: true, options: inputFlagOptions() }).values as Record<string, unknown>;

describe('the CLI flags', () => {
  it('are every action input but the experiment file (the positional argument), and none of the CLI’s own', () => {
    expect([...INPUT_FLAGS, 'experiment'].sort()).toEqual(Object.keys(ACTION_INPUTS).sort());
    for (const own of ['report-file', 'result-file', 'help', 'version'])
      expect(INPUT_FLAGS).not.toContain(own);
  });

  it('read as the action reads its inputs: repeated flags are lines, missing ones empty', () => {
    const getInput = flagInputs(
      parse(['--objectives', 'p95-latency < 100ms', '--objectives', 'error-rate < 1%', '--iterations', '3']),
      'experiment.yaml',
    );
    expect(getInput('objectives')).toBe('p95-latency < 100ms\nerror-rate < 1%');
    expect(getInput('iterations')).toBe('3');
    expect(getInput('prometheus-url')).toBe('');
    expect(getInput('experiment')).toBe('experiment.yaml');
  });

  it('are validated as inputs, and override the experiment file with a note', () => {
    const file = [
      'apiVersion: shadowgate.dev/v1alpha1',
      'kind: Experiment',
      'target: {namespace: shop, service: cart, darkRevision: cart-2}',
      'prometheus: {url: "http://prometheus.monitoring:9090"}',
      'objectives: [p95-latency < 100ms]',
      'evaluation: {iterations: 5}',
    ].join('\n');
    const notes: string[] = [];
    const config = buildConfig(
      flagInputs(parse(['--iterations', '2', '--prometheus-url', 'http://127.0.0.1:9090']), 'x.yaml'),
      { readFile: () => file },
      (line) => notes.push(line),
    );
    expect(config.plan.iterations).toBe(2);
    expect(config.prometheus?.url).toBe('http://127.0.0.1:9090');
    expect(notes).toEqual([
      "input prometheus-url overrides the experiment file's value",
      "input iterations overrides the experiment file's value",
    ]);
    expect(() =>
      buildConfig(flagInputs(parse(['--iterations', 'many']), 'x.yaml'), { readFile: () => file }),
    ).toThrow(/^Invalid iterations: /);
  });

  it('are all in --help, each with the description action.yml has', () => {
    const help = inputFlagsHelp();
    for (const name of INPUT_FLAGS) {
      expect(help).toContain(`  --${name} <value>\n      ${ACTION_INPUTS[name]?.description}`);
    }
  });
});
