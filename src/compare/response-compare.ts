import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { CompareConfig } from '../core/traffic-config.js';
import { type DifferenceKind, diffJson, JsonNumber, type JsonValue, parseJson } from './json-diff.js';
import { fieldPath, formatPath, matchesRule, type PathSegment } from './json-path.js';

/** One side's answer as the proxy captured it. */
export interface CapturedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as received, or `undefined` when it was longer than the bound and was not kept. */
  readonly body: Buffer | undefined;
}

/** One difference between two answers to the same request. */
export interface FieldDifference {
  /** What it is counted under: `status`, `header <name>`, `body`, or a JSON path with `[*]` for indices. */
  readonly field: string;
  /** Where exactly: the JSON path with its indices; otherwise the field. */
  readonly at: string;
  /** The header name or the last JSON key, whose value may be a secret. */
  readonly name?: string;
  readonly kind: DifferenceKind;
  readonly live?: JsonValue;
  readonly dark?: JsonValue;
}

export type ResponseComparison =
  | { readonly compared: true; readonly differences: readonly FieldDifference[] }
  /** A body (possibly after decompression) was over the bound: the answers are not compared, not guessed at. */
  | { readonly compared: false; readonly reason: 'over-limit' };

/** Framing, not content: the bodies themselves are compared. */
const FRAMING_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b|\+json\b/i;
/** Characters around a body's first difference shown as its example. */
const EXCERPT_BEFORE = 20;
const EXCERPT_LENGTH = 80;

/**
 * Compares dark's (or the live replica's) answer with live's: the status, then (with equal statuses) every header
 * not ignored, then the body: structurally when either side says it is JSON, else byte for byte or as normalised
 * text. Compressed bodies are compared decompressed.
 */
export function compareResponses(
  live: CapturedResponse,
  other: CapturedResponse,
  config: CompareConfig,
): ResponseComparison {
  if (live.status !== other.status) {
    return {
      compared: true,
      differences: [
        {
          field: 'status',
          at: 'status',
          kind: 'changed',
          live: new JsonNumber(String(live.status)),
          dark: new JsonNumber(String(other.status)),
        },
      ],
    };
  }
  const differences = compareHeaders(live.headers, other.headers, config);
  if (live.body === undefined || other.body === undefined) return { compared: false, reason: 'over-limit' };
  if (live.body.equals(other.body)) return { compared: true, differences };
  const liveBody = decoded(live, config.maxBodyBytes);
  const otherBody = decoded(other, config.maxBodyBytes);
  if (liveBody === undefined || otherBody === undefined) return { compared: false, reason: 'over-limit' };
  differences.push(...compareBodies(live, liveBody, other, otherBody, config));
  return { compared: true, differences };
}

function compareHeaders(
  live: CapturedResponse['headers'],
  other: CapturedResponse['headers'],
  config: CompareConfig,
): FieldDifference[] {
  const ignored = new Set(config.ignoreHeaders);
  const differences: FieldDifference[] = [];
  const names = new Set([...Object.keys(live), ...Object.keys(other)].map((name) => name.toLowerCase()));
  for (const name of names) {
    if (FRAMING_HEADERS.has(name) || ignored.has(name)) continue;
    const liveValue = headerValue(live, name);
    const otherValue = headerValue(other, name);
    if (liveValue === otherValue) continue;
    const kind = liveValue === undefined ? 'added' : otherValue === undefined ? 'missing' : 'changed';
    const field = `header ${name}`;
    differences.push({
      field,
      at: field,
      name,
      kind,
      ...(liveValue === undefined ? {} : { live: liveValue }),
      ...(otherValue === undefined ? {} : { dark: otherValue }),
    });
  }
  return differences;
}

function headerValue(headers: CapturedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The body decompressed as its content-encoding says, or undefined when that is over the bound. */
function decoded(response: CapturedResponse, maxBytes: number): Buffer | undefined {
  const body = response.body as Buffer;
  const encoding = String(headerValue(response.headers, 'content-encoding') ?? '')
    .trim()
    .toLowerCase();
  const options = { maxOutputLength: Math.max(1, maxBytes) };
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body, options);
      case 'deflate':
        // Servers send both the zlib wrapper (as RFC 9110 says) and raw deflate.
        try {
          return inflateSync(body, options);
        } catch (error) {
          if (isTooLarge(error)) throw error;
          return inflateRawSync(body, options);
        }
      case 'br':
        return brotliDecompressSync(body, options);
      default:
        return body;
    }
  } catch (error) {
    // A body that does not decompress is compared as it came.
    return isTooLarge(error) ? undefined : body;
  }
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError || (error as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

function compareBodies(
  live: CapturedResponse,
  liveBody: Buffer,
  other: CapturedResponse,
  otherBody: Buffer,
  config: CompareConfig,
): FieldDifference[] {
  if (liveBody.equals(otherBody)) return [];
  const isJson = [live, other].some((response) =>
    JSON_TYPE.test(String(headerValue(response.headers, 'content-type') ?? '')),
  );
  const liveText = text(liveBody);
  const otherText = text(otherBody);
  if (isJson) {
    const liveJson = tryParse(liveText);
    const otherJson = tryParse(otherText);
    if (liveJson !== undefined && otherJson !== undefined) {
      const ignored = (path: readonly PathSegment[]) =>
        config.ignorePaths.some((rule) => matchesRule(rule, path));
      return diffJson(liveJson.value, otherJson.value, ignored).map((difference) => {
        const last = difference.path.at(-1);
        return {
          field: fieldPath(difference.path),
          at: formatPath(difference.path),
          ...(typeof last === 'string' ? { name: last } : {}),
          kind: difference.kind,
          ...(difference.live === undefined ? {} : { live: difference.live }),
          ...(difference.dark === undefined ? {} : { dark: difference.dark }),
        };
      });
    }
    if (liveJson !== undefined || otherJson !== undefined) {
      return [bodyDifference('type', liveText, otherText)];
    }
  }
  if (config.bodies === 'text' && normalised(liveText) === normalised(otherText)) return [];
  return [bodyDifference('changed', liveText, otherText)];
}

function text(body: Buffer): string {
  // A byte-order mark is not part of the document.
  return body.toString('utf8').replace(/^\uFEFF/, '');
}

function tryParse(text: string): { value: JsonValue } | undefined {
  try {
    return { value: parseJson(text) };
  } catch {
    return undefined;
  }
}

/** Line endings, runs of spaces and tabs, and the whitespace at each line's ends do not count. */
function normalised(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .trim();
}

/** The bodies from a little before their first differing character: enough to see what changed. */
function bodyDifference(kind: DifferenceKind, live: string, other: string): FieldDifference {
  let first = 0;
  while (first < live.length && first < other.length && live[first] === other[first]) first++;
  const start = Math.max(0, first - EXCERPT_BEFORE);
  const excerpt = (text: string) =>
    `${start > 0 ? '…' : ''}${text.slice(start, start + EXCERPT_LENGTH)}${text.length > start + EXCERPT_LENGTH ? '…' : ''}`;
  return { field: 'body', at: 'body', kind, live: excerpt(live), dark: excerpt(other) };
}
