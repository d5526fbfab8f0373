import { readFileSync } from 'node:fs';
import type { ConfigDependencies } from '../../../src/config/config-dependencies.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';

export const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----';

export function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
}

/** A readFile over an in-memory tree; missing paths fail like fs does. */
export function filesystem(files: Readonly<Record<string, string>>): ConfigDependencies {
  return {
    readFile(path) {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  };
}

export function errorOf(action: () => unknown): ConfigurationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}
