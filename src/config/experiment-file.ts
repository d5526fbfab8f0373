import { ConfigurationError } from '../core/configuration-error.js';
import type { ConfigDependencies } from './config-dependencies.js';
import { CONFIG_FIELDS } from './config-fields.js';
import { didYouMean } from './did-you-mean.js';
import type { SettingsSource } from './experiment-settings.js';
import { importIter8Experiment, isIter8Experiment } from './iter8-import.js';
import { isMapping, parseYaml } from './yaml-document.js';

const API_VERSION = 'shadowgate.dev/v1alpha1';
const KIND = 'Experiment';
const INPUT = 'experiment';
const HEADER_KEYS = ['apiVersion', 'kind'];
const EXAMPLE = `apiVersion: ${API_VERSION}\nkind: ${KIND}\ntarget: {namespace: default, service: checkout, darkRevision: checkout-00002}`;

const FIELD_BY_PATH = new Map(
  CONFIG_FIELDS.flatMap((field) => (field.file ? [[field.file, field] as const] : [])),
);

/** Parses an experiment file: Shadowgate's own format, or an Iter8 v2alpha2 Experiment (mapped, with notes). */
export function parseExperimentFile(text: string, deps: ConfigDependencies): SettingsSource {
  const document = parseYaml(text, INPUT, EXAMPLE);
  if (!isMapping(document)) {
    throw new ConfigurationError(INPUT, 'the file must be a YAML mapping with apiVersion and kind', EXAMPLE);
  }
  if (isIter8Experiment(document)) return importIter8Experiment(document);
  if (document.apiVersion !== API_VERSION || document.kind !== KIND) {
    throw new ConfigurationError(
      `${INPUT}: apiVersion`,
      `expected apiVersion ${API_VERSION} and kind ${KIND} (or an Iter8 iter8.tools/v2alpha2 Experiment), got ` +
        `${JSON.stringify(document.apiVersion)} / ${JSON.stringify(document.kind)}`,
      EXAMPLE,
    );
  }
  const settings: Record<string, unknown> = {};
  readSection(document, '', settings, deps);
  if (setsBothCaAndCaFile(document)) {
    throw new ConfigurationError(
      `${INPUT}: prometheus.tls`,
      'set either ca or caFile, not both',
      'caFile: certs/ca.pem',
    );
  }
  return { settings, notes: [] };
}

/** Walks one mapping of the file: known leaves are parsed, known sections recursed into, anything else rejected. */
function readSection(
  section: Readonly<Record<string, unknown>>,
  prefix: string,
  settings: Record<string, unknown>,
  deps: ConfigDependencies,
): void {
  const allowed = keysUnder(prefix);
  for (const [key, value] of Object.entries(section)) {
    const path = `${prefix}${key}`;
    const at = `${INPUT}: ${path}`;
    if (!allowed.includes(key)) {
      const where = prefix === '' ? 'at the top level' : `in ${prefix.slice(0, -1)}`;
      throw new ConfigurationError(
        at,
        `unknown key "${key}"${didYouMean(key, allowed)}; allowed ${where}: ${allowed.join(', ')}`,
        EXAMPLE,
      );
    }
    if (value === null || (prefix === '' && HEADER_KEYS.includes(key))) continue;
    const field = FIELD_BY_PATH.get(path);
    if (field) {
      settings[field.setting] = field.parse(value, at, deps);
    } else if (isMapping(value)) {
      readSection(value, `${path}.`, settings, deps);
    } else {
      throw new ConfigurationError(
        at,
        `expected a mapping with ${keysUnder(`${path}.`).join(', ')}`,
        EXAMPLE,
      );
    }
  }
}

/** The keys allowed directly under `prefix` (`''` for the top level, else ending in `.`). */
function keysUnder(prefix: string): string[] {
  const keys = [...FIELD_BY_PATH.keys()]
    .filter((path) => path.startsWith(prefix))
    .map((path) => path.slice(prefix.length).split('.')[0] ?? '');
  return [...new Set(prefix === '' ? [...HEADER_KEYS, ...keys] : keys)];
}

function setsBothCaAndCaFile(document: Readonly<Record<string, unknown>>): boolean {
  const tls = isMapping(document.prometheus) ? document.prometheus.tls : undefined;
  return isMapping(tls) && tls.ca != null && tls.caFile != null;
}
