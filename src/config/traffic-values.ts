import { ConfigurationError } from '../core/configuration-error.js';
import type { RequestTemplate } from '../core/traffic-config.js';
import type { ConfigDependencies } from './config-dependencies.js';
import type { ServiceAddress } from './experiment-settings.js';
import { parseDnsLabel } from './names.js';
import { parseHeaders } from './prometheus-values.js';
import { isMapping, parseYaml } from './yaml-document.js';

const METHOD = /^[A-Z]+$/;
const REQUESTS_EXAMPLE = '["GET /products", {method: POST, path: /cart, body: \'{"sku": 1}\', weight: 0.2}]';

/** The base URL of a live or dark version, or of the load's target. */
export function parseTargetUrl(value: unknown, input: string): string {
  return parseBaseUrl(value, input, ['http:'], 'http://127.0.0.1:8080');
}

/** `load-url`: http or https, since the load may go to an ingress that only serves TLS. */
export function parseLoadUrl(value: unknown, input: string): string {
  return parseBaseUrl(value, input, ['http:', 'https:'], 'https://checkout.staging.example.com');
}

function parseBaseUrl(value: unknown, input: string, schemes: readonly string[], example: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || !schemes.includes(url.protocol)) {
    const allowed = schemes.map((scheme) => `${scheme}//`).join(' or ');
    throw new ConfigurationError(input, `${JSON.stringify(value)} is not an ${allowed} URL`, example);
  }
  if (url.search || url.hash)
    throw new ConfigurationError(input, 'a base URL has no query or fragment', example);
  return text.replace(/\/+$/, '');
}

/** `load-service`: `[namespace/]name[:port]`, the port by number or by name. */
export function parseServiceAddress(value: unknown, input: string): ServiceAddress {
  const example = 'istio-system/istio-ingressgateway:80';
  const text = typeof value === 'string' ? value.trim() : '';
  const match = /^(?:([^/:]+)\/)?([^/:]+)(?::([^/:]+))?$/.exec(text);
  if (!match) {
    throw new ConfigurationError(input, `${JSON.stringify(value)} is not [namespace/]name[:port]`, example);
  }
  const [, namespace, name = '', port] = match;
  return {
    ...(namespace === undefined
      ? {}
      : { namespace: parseDnsLabel(namespace, `${input} namespace`, example) }),
    name: parseDnsLabel(name, `${input} name`, example),
    ...(port === undefined ? {} : { port: servicePort(port, input, example) }),
  };
}

function servicePort(text: string, input: string, example: string): number | string {
  if (/^\d+$/.test(text)) {
    const port = Number(text);
    if (port >= 1 && port <= 65_535) return port;
    throw new ConfigurationError(input, `port ${text} is not between 1 and 65535`, example);
  }
  // A port name is an IANA service name: at most 15 characters, lower-case letters, digits and "-".
  if (!/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/.test(text) || !/[a-z]/.test(text)) {
    throw new ConfigurationError(input, `"${text}" is neither a port number nor a port name`, example);
  }
  return text;
}

/** A number in (min, max], e.g. a request rate, from a YAML number or a string. */
export function parsePositiveNumber(value: unknown, input: string, max: number, example: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const number = text === '' ? Number.NaN : Number(text);
  if (!(number > 0 && number <= max)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a number above 0 and at most ${max}`,
      example,
    );
  }
  return number;
}

/** An HTTP method, upper-cased. */
export function parseMethod(value: unknown, input: string): string {
  const method = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!METHOD.test(method))
    throw new ConfigurationError(input, `${JSON.stringify(value)} is not an HTTP method`, 'GET');
  return method;
}

/** A request template whose method, headers and body may still come from the load-* defaults. */
export interface RequestEntry {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly weight: number;
}

/**
 * `load-requests`: a YAML list given inline, or the path of a file holding one. A file that is not a YAML list
 * is read one request per line (`# comments` skipped), e.g. paths extracted from an access log. Each entry is
 * `"/path"`, `"METHOD /path"`, or a mapping `{method, path, headers, body, weight}`.
 */
export function parseRequests(value: unknown, input: string, deps: ConfigDependencies): RequestEntry[] {
  if (Array.isArray(value)) return requestList(value, input);
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '')
    throw new ConfigurationError(input, 'expected a list of requests or a file', REQUESTS_EXAMPLE);
  const inline = parseYaml(text, input, REQUESTS_EXAMPLE);
  if (Array.isArray(inline)) return requestList(inline, input);
  let content: string;
  try {
    content = deps.readFile(text);
  } catch (error) {
    throw new ConfigurationError(
      input,
      `is neither a YAML list nor a readable file: ${error instanceof Error ? error.message : String(error)}`,
      REQUESTS_EXAMPLE,
    );
  }
  const at = `${input} (${text})`;
  const document = parseYaml(content, at, REQUESTS_EXAMPLE);
  if (Array.isArray(document)) return requestList(document, at);
  const lines = content.split(/\r?\n/).flatMap((line, index) => {
    const trimmed = line.trim();
    return trimmed === '' || trimmed.startsWith('#') ? [] : [{ line: trimmed, index }];
  });
  if (lines.length === 0) throw new ConfigurationError(at, 'the file lists no request', '/products');
  return lines.map(({ line, index }) => requestEntry(line, `${at} line ${index + 1}`));
}

function requestList(items: readonly unknown[], input: string): RequestEntry[] {
  if (items.length === 0) throw new ConfigurationError(input, 'the list is empty', REQUESTS_EXAMPLE);
  return items.map((item, index) => requestEntry(item, `${input}[${index}]`));
}

function requestEntry(item: unknown, at: string): RequestEntry {
  if (typeof item === 'string') {
    const [first = '', second, ...rest] = item.trim().split(/\s+/);
    if (rest.length > 0)
      throw new ConfigurationError(at, `"${item}" is not "METHOD /path" or "/path"`, 'GET /products');
    return second === undefined
      ? { path: parsePath(first, at), weight: 1 }
      : { method: parseMethod(first, at), path: parsePath(second, at), weight: 1 };
  }
  if (!isMapping(item))
    throw new ConfigurationError(at, 'expected "METHOD /path" or a mapping', REQUESTS_EXAMPLE);
  const allowed = ['method', 'path', 'headers', 'body', 'weight'];
  const unknown = Object.keys(item).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw new ConfigurationError(
      at,
      `unknown key "${unknown}"; allowed: ${allowed.join(', ')}`,
      REQUESTS_EXAMPLE,
    );
  }
  return {
    path: parsePath(item.path, `${at}.path`),
    weight: item.weight == null ? 1 : parsePositiveNumber(item.weight, `${at}.weight`, 1e9, '1'),
    ...(item.method == null ? {} : { method: parseMethod(item.method, `${at}.method`) }),
    ...(item.headers == null ? {} : { headers: parseHeaders(item.headers, `${at}.headers`) }),
    ...(item.body == null ? {} : { body: parseBody(item.body, `${at}.body`) }),
  };
}

function parsePath(value: unknown, at: string): string {
  const path = typeof value === 'string' ? value.trim() : '';
  if (!path.startsWith('/') || /[\s\0]/.test(path)) {
    throw new ConfigurationError(
      at,
      `${JSON.stringify(value)} is not a path starting with /`,
      '/products?page=2',
    );
  }
  return path;
}

/** A request body: text as given, or a YAML mapping/list sent as JSON. */
export function parseBody(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  throw new ConfigurationError(at, 'expected text, or a mapping to send as JSON', '\'{"sku": 1}\'');
}

/** The final templates: each entry's own method, headers and body, else the load-* defaults. */
export function requestTemplates(
  entries: readonly RequestEntry[] | undefined,
  defaults: { method: string; headers: Readonly<Record<string, string>>; body?: string },
): RequestTemplate[] {
  return (entries ?? [{ path: '/', weight: 1 }]).map((entry) => {
    const body = entry.body ?? defaults.body;
    return {
      method: entry.method ?? defaults.method,
      path: entry.path,
      headers: { ...defaults.headers, ...entry.headers },
      ...(body === undefined ? {} : { body }),
      weight: entry.weight,
    };
  });
}
