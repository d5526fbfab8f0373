import { ACTION_INPUTS, EXPERIMENT_INPUT } from './action-inputs.js';

/**
 * The CLI's flags for the action's inputs: one `--<input>` per input in the field registry (the experiment file
 * is the positional argument), so the CLI takes exactly what the action takes, with the same parsing and the
 * same precedence (a flag overrides the file). A flag given more than once adds lines, as a multi-line input.
 */
export const INPUT_FLAGS: readonly string[] = Object.keys(ACTION_INPUTS).filter(
  (name) => name !== EXPERIMENT_INPUT,
);

/** `parseArgs` options for the input flags: strings, repeatable. */
export function inputFlagOptions(): Record<string, { type: 'string'; multiple: true }> {
  return Object.fromEntries(INPUT_FLAGS.map((name) => [name, { type: 'string', multiple: true }] as const));
}

/**
 * `getInput` over parsed flags, as @actions/core's over the action's inputs: '' for a flag not given, repeated
 * flags joined into lines. `experimentPath` stands for the `experiment` input.
 */
export function flagInputs(
  values: Readonly<Record<string, unknown>>,
  experimentPath: string | undefined,
): (name: string) => string {
  return (name) => {
    if (name === EXPERIMENT_INPUT) return experimentPath ?? '';
    const value = values[name];
    return Array.isArray(value) ? value.join('\n') : '';
  };
}

/** Whether any input flag was given. */
export function hasInputFlags(values: Readonly<Record<string, unknown>>): boolean {
  return INPUT_FLAGS.some((name) => values[name] !== undefined);
}

/** The `--help` section listing every input flag with its description (defaults are stated there). */
export function inputFlagsHelp(): string {
  return INPUT_FLAGS.map(
    (name) => `  --${name} <value>\n      ${ACTION_INPUTS[name]?.description ?? ''}`,
  ).join('\n');
}
