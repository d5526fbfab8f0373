import { ConfigurationError } from '../core/configuration-error.js';
import type { ConfigDependencies } from './config-dependencies.js';
import { parseDuration } from './duration.js';
import type { ExperimentSettings } from './experiment-settings.js';

type SettingKey = keyof ExperimentSettings;

/**
 * One setting: its action input, its place in the experiment file, its default and how to parse it.
 * The single source of truth for input names and defaults (action.yml and the README are checked against it).
 */
export interface ConfigField<K extends SettingKey = SettingKey> {
  readonly setting: K;
  /** The action input, kebab-case. Absent for file-only fields. */
  readonly input?: string;
  /** Dotted path in Shadowgate's experiment file. Absent for input-only fields. */
  readonly file?: string;
  /**
   * Applied when neither the inputs nor the file set the value. action.yml must NOT declare it as `default:`,
   * since a non-empty input overrides the file; the description states it instead.
   */
  readonly default?: string;
  /** The only kind of `default:` action.yml declares: a workflow expression. */
  readonly actionDefault?: string;
  readonly description: string;
  /** `value` is the input's string or the file's YAML value; `at` names it in errors. */
  readonly parse: (
    value: unknown,
    at: string,
    deps: ConfigDependencies,
  ) => NonNullable<ExperimentSettings[K]>;
}

export function field<K extends SettingKey>(spec: ConfigField<K>): ConfigField {
  return spec;
}

/** `${{ expression }}`, as written in a workflow. */
export function workflowExpression(expression: string): string {
  return `\${{ ${expression} }}`;
}

/** A duration of at least `minMs`. */
export function durationAtLeast(minMs: number, example: string) {
  return (value: unknown, at: string): number => {
    const ms = parseDuration(value, at, example);
    if (ms < minMs) throw new ConfigurationError(at, `must be at least ${minMs / 1000}s`, example);
    return ms;
  };
}
