import type { ExperimentConfig } from './core/config.js';

/** Every credential a config carries, to be masked before anything is logged. */
export function configSecrets(config: ExperimentConfig): string[] {
  const auth = config.prometheus?.auth;
  return [
    auth?.bearerToken,
    auth?.basic?.password,
    ...Object.values(auth?.headers ?? {}),
    config.reporting.githubToken,
  ].filter((value): value is string => typeof value === 'string' && value !== '');
}

/** Secret inputs as given, masked before the config is even parsed (a parse error may quote an input). */
export const SECRET_INPUTS = [
  'github-token',
  'prometheus-token',
  'prometheus-password',
  'prometheus-headers',
];

/** Values of a multi-line `Name: value` headers input, so each is masked on its own. */
export function headerValues(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.slice(line.indexOf(':') + 1).trim())
    .filter((value) => value !== '');
}
