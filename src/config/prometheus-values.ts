import { ConfigurationError } from '../core/configuration-error.js';
import type { ConfigDependencies } from './config-dependencies.js';
import { CUSTOM_METRIC_ID, resolveMetricName } from './metric-name.js';
import { isMapping, parseYaml } from './yaml-document.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/;
const QUERIES_EXAMPLE = '{queue-depth: \'max(queue_depth{revision="$revision"})\'}';

/** The Prometheus base URL; a trailing `/` or `/api/v1` is dropped since the client adds the API path. */
export function parsePrometheusUrl(value: unknown, input: string): string {
  const example = 'http://prometheus.monitoring:9090';
  const text = typeof value === 'string' ? value.trim() : '';
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigurationError(input, `${JSON.stringify(value)} is not an http(s) URL`, example);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(
      input,
      'credentials in the URL would be logged; set prometheus-username and prometheus-password instead',
      example,
    );
  }
  return text.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

/** Extra request headers: `Name: value` lines (the input), or a mapping (the experiment file). */
export function parseHeaders(value: unknown, input: string): Record<string, string> {
  const example = 'X-Scope-OrgID: team-a';
  if (typeof value !== 'string' && !isMapping(value)) {
    throw new ConfigurationError(input, 'expected header lines `Name: value` or a mapping', example);
  }
  const entries = typeof value === 'string' ? headerLines(value, input) : Object.entries(value);
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of entries) {
    if (!HEADER_NAME.test(name))
      throw new ConfigurationError(input, `"${name}" is not a valid header name`, example);
    if (typeof headerValue !== 'string' && typeof headerValue !== 'number') {
      throw new ConfigurationError(input, `header "${name}" needs a string value`, example);
    }
    const text = String(headerValue).trim();
    if (/[\r\n\0]/.test(text))
      throw new ConfigurationError(input, `header "${name}" has a line break`, example);
    headers[name] = text;
  }
  return headers;
}

function headerLines(text: string, input: string): [string, string][] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const colon = line.indexOf(':');
      if (colon < 0) {
        throw new ConfigurationError(input, 'each line is `Name: value`', 'X-Scope-OrgID: team-a');
      }
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
}

/** A CA bundle given inline as PEM text. */
export function parsePem(value: unknown, input: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!PEM_BLOCK.test(text)) {
    throw new ConfigurationError(
      input,
      'expected PEM text with -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----\\nMIIB...\\n-----END CERTIFICATE-----',
    );
  }
  return text;
}

/** A CA bundle read from a PEM file. */
export function readPemFile(value: unknown, input: string, deps: ConfigDependencies): string {
  const path = typeof value === 'string' ? value.trim() : '';
  if (path === '')
    throw new ConfigurationError(input, 'expected the path of a PEM file', 'certs/prometheus-ca.pem');
  let text: string;
  try {
    text = deps.readFile(path);
  } catch (error) {
    throw new ConfigurationError(
      input,
      `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
      'certs/prometheus-ca.pem',
    );
  }
  return parsePem(text, `${input} (${path})`);
}

/** The `prometheus-ca` input: PEM text itself, or else a path to a PEM file. */
export function parsePemOrPemFile(value: unknown, input: string, deps: ConfigDependencies): string {
  return typeof value === 'string' && value.includes('-----BEGIN')
    ? parsePem(value, input)
    : readPemFile(value, input, deps);
}

/**
 * PromQL per metric id, keyed by canonical id (`latency-p95` becomes `p95-latency`); keys that are not
 * built-in metrics define custom metrics. The input is YAML text; the file gives the mapping itself.
 */
export function parseQueries(value: unknown, input: string): Record<string, string> {
  const mapping = typeof value === 'string' ? parseYaml(value, input, QUERIES_EXAMPLE) : value;
  if (!isMapping(mapping)) {
    throw new ConfigurationError(input, 'expected a mapping of metric id to PromQL', QUERIES_EXAMPLE);
  }
  const queries: Record<string, string> = {};
  for (const [key, query] of Object.entries(mapping)) {
    const builtIn = resolveMetricName(key, new Set());
    const id = builtIn?.id ?? key;
    if (!builtIn && !CUSTOM_METRIC_ID.test(key)) {
      throw new ConfigurationError(
        input,
        `"${key}" is not a metric id; use a built-in metric or lower-case letters, digits and "-"`,
        QUERIES_EXAMPLE,
      );
    }
    if (typeof query !== 'string' || query.trim() === '') {
      throw new ConfigurationError(
        input,
        `the query for ${id} must be a non-empty PromQL string`,
        QUERIES_EXAMPLE,
      );
    }
    queries[id] = query.trim();
  }
  return queries;
}
