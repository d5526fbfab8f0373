import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_INPUTS } from '../../src/config/action-inputs.js';
import { ACTION_OUTPUTS, renderActionYml, renderReference } from '../../src/docs/action-reference.js';

const actionYml = readFileSync('action.yml', 'utf8');
const readme = readFileSync('README.md', 'utf8');

describe('action.yml and README', () => {
  it('action.yml is what `npm run docs` generates from the config layer', () => {
    expect(actionYml).toBe(renderActionYml());
  });

  it('declares every input the config layer reads, and no default that would override an experiment file', () => {
    const action = parse(actionYml) as {
      inputs: Record<string, { default?: string }>;
      runs: { using: string };
    };
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(ACTION_INPUTS).sort());
    const declaredDefaults = Object.entries(action.inputs).filter(([, input]) => input.default !== undefined);
    expect(declaredDefaults).toEqual([
      [
        'github-token',
        {
          description: expect.any(String),
          required: false,
          default: ACTION_INPUTS['github-token']?.actionDefault,
        },
      ],
    ]);
    expect(action.runs.using).toBe('node24');
  });

  it('the README documents every input with its default and every output', () => {
    expect(readme).toContain(renderReference());
    for (const name of [...Object.keys(ACTION_INPUTS), ...Object.keys(ACTION_OUTPUTS)]) {
      expect(readme).toContain(`| \`${name}\` |`);
    }
  });
});
