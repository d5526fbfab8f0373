import type { ConfigDependencies } from './config-dependencies.js';
import { CONFIG_FIELDS } from './config-fields.js';
import type { ExperimentSettings } from './experiment-settings.js';

export const EXPERIMENT_INPUT = 'experiment';

export interface ActionInputSpec {
  readonly description: string;
  /** Applied by the config layer; state it in action.yml's description, not as `default:`. */
  readonly default?: string;
  /** The `default:` action.yml declares (only workflow expressions such as `${{ github.token }}`). */
  readonly actionDefault?: string;
}

/** Every action input by name: what action.yml and the README must list, and nothing else. */
export const ACTION_INPUTS: Readonly<Record<string, ActionInputSpec>> = Object.fromEntries([
  [
    EXPERIMENT_INPUT,
    {
      description:
        "Path of an experiment file: Shadowgate's own, or an Iter8 v2alpha2 Experiment. Inputs override it.",
    },
  ],
  ...CONFIG_FIELDS.flatMap(({ input, description, default: defaultValue, actionDefault }) =>
    input === undefined ? [] : [[input, { description, default: defaultValue, actionDefault }] as const],
  ),
]);

/** Input name → default the config layer applies when neither the inputs nor the file set a value. */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ACTION_INPUTS).flatMap(([name, spec]) =>
    spec.default === undefined ? [] : [[name, spec.default] as const],
  ),
);

export interface ActionInputValues {
  /** The `experiment` input, if given. */
  readonly experimentPath?: string;
  /** Only the inputs that were given (non-empty). */
  readonly settings: ExperimentSettings;
}

/** Reads and parses every non-empty input; `getInput` returns '' for inputs not given, as @actions/core does. */
export function readActionInputs(
  getInput: (name: string) => string,
  deps: ConfigDependencies,
): ActionInputValues {
  const settings: Record<string, unknown> = {};
  for (const { input, setting, parse } of CONFIG_FIELDS) {
    const value = input === undefined ? '' : getInput(input).trim();
    if (input !== undefined && value !== '') settings[setting] = parse(value, input, deps);
  }
  const experimentPath = getInput(EXPERIMENT_INPUT).trim();
  return { experimentPath: experimentPath === '' ? undefined : experimentPath, settings };
}
