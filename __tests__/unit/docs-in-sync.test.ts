import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_INPUTS } from '../../src/config/action-inputs.js';
import { CONFIG_FIELDS } from '../../src/config/config-fields.js';
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
      runs: { using: string; main: string; post: string; 'post-if'?: string };
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
    // The post step has an entry of its own, so it never runs the main step's code, and it cleans up after
    // failure and cancellation too.
    expect(action.runs.main).toBe('dist/index.js');
    expect(action.runs.post).toBe('dist/post.js');
    expect(action.runs['post-if']).toBe('always()');
  });

  it('the README documents every input with its default and every output', () => {
    expect(readme).toContain(renderReference());
    for (const name of [...Object.keys(ACTION_INPUTS), ...Object.keys(ACTION_OUTPUTS)]) {
      expect(readme).toContain(`| \`${name}\` |`);
    }
  });

  it('the experiment file schema declares every path the config layer reads', () => {
    interface SchemaNode {
      properties?: Record<string, SchemaNode>;
      $ref?: string;
      $defs?: Record<string, SchemaNode>;
    }
    const schema = JSON.parse(readFileSync('schema/experiment.schema.json', 'utf8')) as SchemaNode;
    // Shared shapes (e.g. traffic.live and traffic.dark) are `$ref: '#/$defs/<name>'`.
    const resolved = (node: SchemaNode | undefined) =>
      node?.$ref?.startsWith('#/$defs/') ? schema.$defs?.[node.$ref.slice('#/$defs/'.length)] : node;
    const paths = CONFIG_FIELDS.flatMap(({ file }) => (file === undefined ? [] : [file]));
    const missing = paths.filter((path) => {
      let node: SchemaNode | undefined = schema;
      for (const key of path.split('.')) node = resolved(node?.properties?.[key]);
      return node === undefined;
    });
    expect(missing).toEqual([]);
  });
});
