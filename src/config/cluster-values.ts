import type { KubeconfigSource } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import { DECIMAL } from './decimal.js';
import { isMapping, parseYaml } from './yaml-document.js';

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
const KUBECONFIG_EXAMPLE = `\${{ secrets.KUBECONFIG }} (the kubeconfig YAML, or base64 of it)`;
// Image reference parts, as registries accept them. Separators are outside the character runs, so matching is linear.
const IMAGE_HOST = /^[a-zA-Z0-9]+(?:[-.]+[a-zA-Z0-9]+)*(?::[0-9]{1,5})?$/;
const IMAGE_PATH_COMPONENT = /^[a-z0-9]+(?:[._-]+[a-z0-9]+)*$/;
const IMAGE_TAG = /^\w[\w.-]{0,127}$/;
const IMAGE_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
// The names Kubernetes accepts for environment variables (the classic rule, valid on every version).
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
// An annotation key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters.
const ANNOTATION_KEY =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PERCENT = new RegExp(`^\\s*(${DECIMAL})\\s*%?\\s*$`);

/**
 * The `kubeconfig` input: the YAML itself, or base64 of it (as `base64 -w0 ~/.kube/config` prints it). Errors
 * never quote the value: it is a credential.
 */
export function parseKubeconfig(value: unknown, input: string): KubeconfigSource {
  const text = typeof value === 'string' ? value.trim() : '';
  const yaml = BASE64.test(text) ? Buffer.from(text, 'base64').toString('utf8') : text;
  let document: unknown;
  try {
    document = parseYaml(yaml, input, KUBECONFIG_EXAMPLE);
  } catch {
    document = undefined;
  }
  if (!isMapping(document) || !Array.isArray(document.clusters)) {
    throw new ConfigurationError(
      input,
      'expected a kubeconfig (YAML with clusters, users and contexts) or base64 of one; the value is a secret, so it is not shown',
      KUBECONFIG_EXAMPLE,
    );
  }
  if (typeof document['current-context'] !== 'string' || document['current-context'] === '') {
    throw new ConfigurationError(
      input,
      'the kubeconfig has no current-context, so it does not say which cluster and user to use',
      'current-context: ci (naming one of its contexts)',
    );
  }
  return { kind: 'inline', yaml };
}

/** A container image reference, e.g. `ghcr.io/acme/checkout:pr-42` or `…@sha256:<digest>`. */
export function parseImage(value: unknown, input: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length > 1024 || !isImageReference(text)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not an image reference; use a lower-case repository path with an optional :tag and @digest`,
      'ghcr.io/acme/checkout:pr-42',
    );
  }
  return text;
}

function isImageReference(text: string): boolean {
  const [nameAndTag = '', digest, ...extra] = text.split('@');
  if (extra.length > 0 || (digest !== undefined && !IMAGE_DIGEST.test(digest))) return false;
  const lastSlash = nameAndTag.lastIndexOf('/');
  const tagColon = nameAndTag.indexOf(':', lastSlash + 1);
  const name = tagColon < 0 ? nameAndTag : nameAndTag.slice(0, tagColon);
  if (tagColon >= 0 && !IMAGE_TAG.test(nameAndTag.slice(tagColon + 1))) return false;
  const components = name.split('/');
  // The first component is a registry host when it looks like one (has `.` or `:`, or is localhost).
  const first = components[0] ?? '';
  const hasHost = components.length > 1 && (/[.:]/.test(first) || first === 'localhost');
  if (hasHost && !IMAGE_HOST.test(first)) return false;
  return (hasHost ? components.slice(1) : components).every((part) => IMAGE_PATH_COMPONENT.test(part));
}

/** Environment variables for the candidate: `NAME=value` lines, or a YAML mapping (the file's, or the input's). */
export function parseEnv(value: unknown, input: string): Record<string, string> {
  return parseStringMap(value, input, {
    key: ENV_NAME,
    what: 'environment variable name',
    example: 'LOG_LEVEL=debug',
  });
}

/** Annotations for the dark Knative revision's template: `key=value` lines, or a YAML mapping. */
export function parseAnnotations(value: unknown, input: string): Record<string, string> {
  return parseStringMap(value, input, {
    key: ANNOTATION_KEY,
    what: 'annotation key',
    example: 'autoscaling.knative.dev/max-scale=3',
  });
}

/** Share of requests mirrored: 0 < percent ≤ 100, with or without `%`. */
export function parseMirrorPercent(value: unknown, input: string): number {
  const match = typeof value === 'number' ? [String(value), String(value)] : PERCENT.exec(String(value));
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!(percent > 0 && percent <= 100)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a percentage above 0 and at most 100`,
      '100',
    );
  }
  return percent;
}

interface MapRules {
  readonly key: RegExp;
  readonly what: string;
  readonly example: string;
}

function parseStringMap(value: unknown, input: string, rules: MapRules): Record<string, string> {
  const entries =
    typeof value === 'string' ? textEntries(value, input, rules) : mappingEntries(value, input, rules);
  const map: Record<string, string> = {};
  for (const [key, entryValue] of entries) {
    if (!rules.key.test(key)) {
      throw new ConfigurationError(
        input,
        `${JSON.stringify(key)} is not a valid ${rules.what}`,
        rules.example,
      );
    }
    if (entryValue === null || entryValue === undefined) map[key] = '';
    else if (['string', 'number', 'boolean'].includes(typeof entryValue)) map[key] = String(entryValue);
    else throw new ConfigurationError(input, `the value of ${key} must be text`, rules.example);
  }
  return map;
}

/** `KEY=value` lines (blank lines and `#` comments skipped); anything else is read as YAML. */
function textEntries(text: string, input: string, rules: MapRules): [string, unknown][] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (lines.every((line) => /^\s*[^\s=:]+\s*=/.test(line))) {
    return lines.map((line) => {
      const equals = line.indexOf('=');
      return [line.slice(0, equals).trim(), line.slice(equals + 1).trim()];
    });
  }
  return mappingEntries(parseYaml(text, input, rules.example), input, rules);
}

function mappingEntries(value: unknown, input: string, rules: MapRules): [string, unknown][] {
  if (!isMapping(value)) {
    throw new ConfigurationError(input, 'expected `KEY=value` lines or a YAML mapping', rules.example);
  }
  return Object.entries(value);
}
