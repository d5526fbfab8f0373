import {
  emptyTraffic,
  isSendablePath,
  originForm,
  type RecordedRequest,
  type RecordedTraffic,
} from './recorded-traffic.js';

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const REQUEST_LINE = /^([A-Za-z]+) (\S+) HTTP\/\d(?:\.\d)?$/;
const C_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', v: '\v', f: '\f', b: '\b' };

/**
 * Requests from an access log in the Common Log Format (`%h %l %u %t "%r" %>s %b`) or the Combined one (plus
 * `"%{Referer}i" "%{User-agent}i"`), as Apache httpd and nginx write them; fields after those are allowed. Quoted
 * fields are unescaped the way both servers escape them: nginx writes `"`, `\` and bytes outside printable ASCII
 * as `\xHH`, Apache `\"`, `\\`, `\n`-style and `\xhh`. The log has no request headers beyond those two and no
 * bodies, so a replay sends the User-Agent and Referer it recorded and nothing else.
 *
 * Times have one-second resolution: the requests logged within one second are spread evenly over it, in order.
 */
export function readAccessLog(text: string): RecordedTraffic {
  const traffic = emptyTraffic();
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const request = readLine(line);
    if (typeof request === 'string') traffic.bad.push({ where: `line ${index + 1}`, reason: request });
    else traffic.requests.push(request);
  });
  spreadWithinSeconds(traffic.requests);
  return traffic;
}

function readLine(line: string): RecordedRequest | string {
  const fields = tokens(line);
  if (typeof fields === 'string') return fields;
  if (fields.length < 7)
    return 'fewer fields than the common log format has (host ident user [time] "request" status bytes)';
  const [, , , time, requestLine, status] = fields as [string, string, string, Field, Field, Field];
  if (time.kind !== 'bracketed') return 'no [time] in the fourth field';
  if (requestLine.kind !== 'quoted') return 'no "request" in the fifth field';
  if (!/^\d{3}$/.test(status.text)) return `status ${JSON.stringify(status.text)} is not a three-digit code`;
  const atMs = parseTime(time.text);
  if (atMs === undefined) return `time ${JSON.stringify(time.text)} is not dd/Mon/yyyy:HH:MM:SS ±hhmm`;
  const match = REQUEST_LINE.exec(requestLine.text);
  if (!match)
    return `request ${JSON.stringify(requestLine.text.slice(0, 60))} is not "METHOD /path HTTP/x.y"`;
  const [, method = '', target = ''] = match;
  const path = originForm(percentEncodeRaw(target));
  if (path === undefined || !isSendablePath(path))
    return `request target ${JSON.stringify(target.slice(0, 60))} is not a path`;
  const headers: Record<string, string> = {};
  const [referer, userAgent] = [fields[7], fields[8]];
  if (referer?.kind === 'quoted' && referer.text !== '-' && isHeaderValue(referer.text))
    headers.referer = referer.text;
  if (userAgent?.kind === 'quoted' && userAgent.text !== '-' && isHeaderValue(userAgent.text)) {
    headers['user-agent'] = userAgent.text;
  }
  return { method: method.toUpperCase(), path, headers, atMs };
}

interface Field {
  readonly kind: 'bare' | 'bracketed' | 'quoted';
  readonly text: string;
}

/** Space-separated fields: bare words, `[…]`, or `"…"` with escapes undone. */
function tokens(line: string): Field[] | string {
  const fields: Field[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] === '[') {
      const end = line.indexOf(']', i);
      if (end < 0) return 'a [ without its ]';
      fields.push({ kind: 'bracketed', text: line.slice(i + 1, end) });
      i = end + 1;
    } else if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const c = line[i];
        if (c === undefined) return 'a quoted field without its closing quote';
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i + 1];
          if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(line.slice(i + 2, i + 4))) {
            text += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          if (next !== undefined) {
            text += C_ESCAPES[next] ?? next;
            i += 2;
            continue;
          }
        }
        text += c;
        i++;
      }
      fields.push({ kind: 'quoted', text });
      i++;
    } else {
      const end = line.indexOf(' ', i);
      fields.push({ kind: 'bare', text: line.slice(i, end < 0 ? line.length : end) });
      i = end < 0 ? line.length : end;
    }
  }
  return fields;
}

function parseTime(text: string): number | undefined {
  const match = TIME.exec(text);
  if (!match) return undefined;
  const [, day, month, year, hour, minute, second, sign, offsetHours, offsetMinutes] = match;
  const monthIndex = MONTHS[month as string];
  if (monthIndex === undefined) return undefined;
  const utc = Date.UTC(Number(year), monthIndex, Number(day), Number(hour), Number(minute), Number(second));
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return sign === '-' ? utc + offset : utc - offset;
}

/** Unescaped bytes (one char per byte, from `\xHH`) outside printable ASCII, percent-encoded again for the request line. */
function percentEncodeRaw(target: string): string {
  return target.replace(/[^\x21-\x7e]/gu, (c) => {
    const code = c.codePointAt(0) as number;
    // A UTF-8 log read as text holds characters, not bytes: encode those as UTF-8.
    return code > 0xff ? encodeURIComponent(c) : `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

function isHeaderValue(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters cannot be sent in a header.
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text) && !/[^\u0000-\u00ff]/.test(text);
}

/** Requests logged in the same second get offsets k/n of that second, so their recorded pace is kept on average. */
function spreadWithinSeconds(requests: RecordedRequest[]): void {
  const bySecond = new Map<number, RecordedRequest[]>();
  for (const request of requests) {
    const second = request.atMs as number;
    const group = bySecond.get(second);
    if (group) group.push(request);
    else bySecond.set(second, [request]);
  }
  const spread: RecordedRequest[] = [];
  for (const [second, group] of [...bySecond.entries()].sort((a, b) => a[0] - b[0])) {
    group.forEach((request, k) => {
      spread.push({ ...request, atMs: second + (k * 1000) / group.length });
    });
  }
  requests.splice(0, requests.length, ...spread);
}
