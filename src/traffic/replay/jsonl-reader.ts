import {
  emptyTraffic,
  isReplayedHeader,
  isSendablePath,
  originForm,
  type RecordedRequest,
  type RecordedTraffic,
} from './recorded-traffic.js';

const KEYS = ['method', 'path', 'url', 'headers', 'body', 'time'];

/**
 * Requests in Shadowgate's JSON-lines form: one JSON object per line,
 * `{"method": "GET", "path": "/products?page=2", "headers": {"accept": "application/json"}, "body": "…",
 * "time": "2026-11-27T10:00:00.125Z"}`. `path` (or an absolute `url`) is required; `method` defaults to GET;
 * `time` is an ISO 8601 date-time or epoch milliseconds, needed only at the recorded pace. Blank lines and lines
 * starting with `#` are skipped.
 */
export function readJsonLines(text: string): RecordedTraffic {
  const traffic = emptyTraffic();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const request = readLine(line);
    if (typeof request === 'string') traffic.bad.push({ where: `line ${index + 1}`, reason: request });
    else traffic.requests.push(request);
  });
  return traffic;
}

function readLine(line: string): RecordedRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const item = value as Record<string, unknown>;
  const unknown = Object.keys(item).find((key) => !KEYS.includes(key));
  if (unknown !== undefined) return `unknown key "${unknown}"; allowed: ${KEYS.join(', ')}`;
  const method = item.method ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) return 'method is not an HTTP method';
  const target = item.path ?? item.url;
  const path = typeof target === 'string' ? originForm(target) : undefined;
  if (path === undefined || !isSendablePath(path)) return 'needs a path starting with / (or an http(s) url)';
  const headers: Record<string, string> = {};
  if (item.headers !== undefined) {
    if (typeof item.headers !== 'object' || item.headers === null || Array.isArray(item.headers))
      return 'headers is not an object of strings';
    for (const [name, headerValue] of Object.entries(item.headers)) {
      if (typeof headerValue !== 'string') return `header ${name} is not a string`;
      if (isReplayedHeader(name)) headers[name.toLowerCase()] = headerValue;
    }
  }
  if (item.body !== undefined && typeof item.body !== 'string') return 'body is not a string';
  const atMs =
    typeof item.time === 'number'
      ? item.time
      : typeof item.time === 'string'
        ? Date.parse(item.time)
        : undefined;
  if (atMs !== undefined && !Number.isFinite(atMs)) return 'time is neither ISO 8601 nor epoch milliseconds';
  return {
    method: method.toUpperCase(),
    path,
    headers,
    ...(item.body === undefined ? {} : { body: item.body as string }),
    ...(atMs === undefined ? {} : { atMs }),
  };
}
