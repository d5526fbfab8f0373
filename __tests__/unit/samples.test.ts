// Every sample workflow passes only declared inputs, and with its experiment file builds a valid configuration,
// as the action would build it on GitHub (expressions replaced by values of the kind GitHub substitutes).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_INPUTS } from '../../src/config/action-inputs.js';
import { buildConfig } from '../../src/config/build-config.js';

const samples = new URL('../../samples/', import.meta.url);
const deploying = ['istio-deployment', 'gateway-api', 'knative-istio'];

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>;
}

/** What GitHub would put in place of each `${{ … }}` expression the samples use. */
const EXPRESSION_VALUES: Readonly<Record<string, string>> = {
  kubeconfig: [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: shop, cluster: {server: "https://10.0.0.1:6443"}}]',
    'users: [{name: shadowgate, user: {token: fake}}]',
    'contexts: [{name: shadowgate, context: {cluster: shop, user: shadowgate}}]',
    'current-context: shadowgate',
  ].join('\n'),
  image: 'ghcr.io/acme/checkout:pr-42',
  'revision-suffix': 'pr-42',
  'prometheus-url': 'http://prometheus.istio-system:9090',
  'prometheus-token': 'token',
};

function shadowgateInputs(sample: string, file: string): Record<string, string> {
  const workflow = parse(readFileSync(new URL(`${sample}/workflows/${file}`, samples), 'utf8')) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const step = steps.find((entry) => entry.uses?.startsWith('shadowgate/shadowgate@'));
  if (!step?.with) throw new Error(`${sample}/workflows/${file} has no shadowgate step`);
  return Object.fromEntries(
    Object.entries(step.with).map(([name, value]) => {
      if (!String(value).includes('${{')) return [name, String(value)];
      const substitute = EXPRESSION_VALUES[name];
      if (substitute === undefined) throw new Error(`no stand-in for the expression in input ${name}`);
      return [name, substitute];
    }),
  );
}

describe.each(deploying)('samples/%s', (sample) => {
  it('has a PR gate and a release gate with promotion', () => {
    expect(readdirSync(new URL(`${sample}/workflows/`, samples)).sort()).toEqual([
      'pr-gate.yaml',
      'release-gate.yaml',
    ]);
    expect(shadowgateInputs(sample, 'release-gate.yaml').promote).toBe('true');
    expect(shadowgateInputs(sample, 'pr-gate.yaml')).not.toHaveProperty('promote');
  });

  it.each(['pr-gate.yaml', 'release-gate.yaml'])(
    '%s gives declared inputs that build a deploying config',
    (file) => {
      const inputs = shadowgateInputs(sample, file);
      for (const name of Object.keys(inputs)) expect(ACTION_INPUTS).toHaveProperty([name]);
      const experiment = readFileSync(new URL(`${sample}/experiment.yaml`, samples), 'utf8');

      const config = buildConfig((name) => inputs[name] ?? '', {
        readFile: (path) => {
          if (path !== inputs.experiment) throw new Error(`ENOENT: ${path}`);
          return experiment;
        },
        commitSha: '0123456789abcdef0123456789abcdef01234567',
      });

      expect(config.cluster?.target).toMatchObject({ image: 'ghcr.io/acme/checkout:pr-42' });
      expect(config.cluster?.target.kind).toBe(sample === 'knative-istio' ? 'knative' : 'deployment');
      expect(config.cluster?.router.kind).toBe(sample === 'gateway-api' ? 'gateway-api' : 'istio');
      expect(config.cluster?.promote).toBe(file === 'release-gate.yaml');
    },
  );
});
