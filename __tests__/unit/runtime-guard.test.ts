import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ACTION_REMEDY,
  CLI_REMEDY,
  MINIMUM_NODE_MAJOR,
  nodeVersionProblem,
  workflowCommand,
} from '../../src/runtime-guard.js';

describe('the Node.js version guard', () => {
  it('refuses Node 20 in one line naming the version found, the version needed and how to get it', () => {
    const problem = nodeVersionProblem('20.20.2', ACTION_REMEDY);
    expect(problem).toBe(
      'Shadowgate needs Node.js 24 or newer, but runs on Node.js 20.20.2. GitHub runs the action on its own ' +
        'Node.js 24 (runs.using: node24, runner v2.327.1 or newer); where the node on PATH runs it (act, some ' +
        'self-hosted set-ups), put Node.js 24 first on PATH, e.g. with actions/setup-node and node-version: 24.',
    );
    expect(problem).not.toContain('\n');
    expect(nodeVersionProblem('v22.23.3', CLI_REMEDY)).toMatch(
      /^Shadowgate needs Node\.js 24 or newer, but runs on Node\.js v22\.23\.3\. Install Node\.js 24/,
    );
  });

  it('accepts 24 and later (26 is the Active LTS line)', () => {
    for (const version of ['24.0.0', '24.21.0', '26.10.0', '30.0.0-pre'])
      expect(nodeVersionProblem(version, CLI_REMEDY)).toBeUndefined();
  });

  it('agrees with package.json engines and action.yml runs.using', () => {
    const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node;
    expect(engines).toBe(`>=${MINIMUM_NODE_MAJOR}`);
    const action = parse(readFileSync('action.yml', 'utf8')) as { runs: { using: string } };
    expect(action.runs.using).toBe(`node${MINIMUM_NODE_MAJOR}`);
  });

  it('escapes workflow command data as the runner reads it', () => {
    expect(workflowCommand('error', '100% sure\r\nnext')).toBe('::error::100%25 sure%0D%0Anext\n');
  });
});
