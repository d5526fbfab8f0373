import {
  emptyTraffic,
  isReplayedHeader,
  isSendablePath,
  originForm,
  type RecordedRequest,
  type RecordedTraffic,
  skip,
} from './recorded-traffic.js';

/**
 * Requests from an HTTP Archive (HAR 1.2: `log.entries[].request` with `method`, `url`, `headers` and `postData`,
 * and `startedDateTime` per entry). A HAR is JSON, read with JSON.parse; each entry is checked for the fields a
 * replay needs rather than against the whole schema, so an exporter's extra `_fields` do not matter.
 *
 * A browser's HAR holds requests to other hosts too (fonts, analytics): only those to the host with the most
 * entries are kept, the others are skipped by host.
 */
export function readHar(text: string): RecordedTraffic {
  const traffic = emptyTraffic();
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    traffic.bad.push({ where: 'file', reason: `not JSON: ${(error as Error).message}` });
    return traffic;
  }
  const entries = record(record(document)?.log)?.entries;
  if (!Array.isArray(entries)) {
    traffic.bad.push({ where: 'file', reason: 'no log.entries list: not a HAR 1.2 file' });
    return traffic;
  }
  const read = entries.map((entry, index) => ({ index, request: readEntry(entry) }));
  const hosts = new Map<string, number>();
  for (const { request } of read) {
    if (typeof request !== 'string') hosts.set(request.host, (hosts.get(request.host) ?? 0) + 1);
  }
  const mainHost = [...hosts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  for (const { index, request } of read) {
    if (typeof request === 'string') traffic.bad.push({ where: `entry ${index + 1}`, reason: request });
    else if (request.host !== mainHost) skip(traffic, `to another host than ${mainHost} (${request.host})`);
    else traffic.requests.push(request.request);
  }
  return traffic;
}

/** The entry's request and host, or what is wrong with it. */
function readEntry(entry: unknown): { host: string; request: RecordedRequest } | string {
  const request = record(record(entry)?.request);
  if (!request) return 'no request';
  const { method, url } = request;
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) return 'no request.method';
  if (typeof url !== 'string' || !URL.canParse(url)) return 'request.url is not an absolute URL';
  const path = originForm(url);
  if (path === undefined) return `request.url ${JSON.stringify(url.slice(0, 60))} is not http or https`;
  if (!isSendablePath(path)) return 'request.url has characters a request line cannot hold';
  const headers: Record<string, string> = {};
  for (const header of Array.isArray(request.headers) ? request.headers : []) {
    const { name, value } = record(header) ?? {};
    if (typeof name === 'string' && typeof value === 'string' && isReplayedHeader(name)) {
      headers[name.toLowerCase()] = value;
    }
  }
  const body = postDataText(record(request.postData));
  if (typeof body === 'object') return body.problem;
  const startedAt = record(entry)?.startedDateTime;
  const atMs = typeof startedAt === 'string' ? Date.parse(startedAt) : Number.NaN;
  return {
    host: new URL(url).host,
    request: {
      method: method.toUpperCase(),
      path,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(Number.isFinite(atMs) ? { atMs } : {}),
    },
  };
}

/** `postData.text`, or URL-encoded `params` for a form; a multipart form without its text cannot be rebuilt. */
function postDataText(
  postData: Record<string, unknown> | undefined,
): string | undefined | { problem: string } {
  if (!postData) return undefined;
  if (typeof postData.text === 'string') return postData.text;
  const params = Array.isArray(postData.params) ? postData.params : [];
  const form = String(postData.mimeType ?? '').startsWith('application/x-www-form-urlencoded');
  if (params.length === 0) return undefined;
  if (!form) return { problem: 'postData has params but no text, and is not a URL-encoded form' };
  return new URLSearchParams(
    params.map((param): [string, string] => {
      const { name, value } = record(param) ?? {};
      return [String(name ?? ''), String(value ?? '')];
    }),
  ).toString();
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
