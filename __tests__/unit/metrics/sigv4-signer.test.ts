import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SigV4Signer } from '../../../src/metrics/sigv4-signer.js';

// AWS's published SigV4 vectors (see the suite's SOURCES.md): each request is signed and must give AWS's
// Authorization header exactly.

const SUITE = fileURLToPath(new URL('../../fixtures/aws-sig-v4-test-suite/', import.meta.url));
const SIGNING_DATE = new Date('2015-08-30T12:36:00Z');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

interface Vector {
  readonly name: string;
  readonly request: string;
  readonly authorization: string;
}

function vectors(dir: string): Vector[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) return [];
    const request = join(path, `${entry}.req`);
    return statSync(request, { throwIfNoEntry: false })
      ? [
          {
            name: entry,
            request: readFileSync(request, 'utf8'),
            authorization: readFileSync(join(path, `${entry}.authz`), 'utf8'),
          },
        ]
      : vectors(path);
  });
}

/** `METHOD target HTTP/1.1`, `Name:value` lines, a blank line, the body. */
function parseRequest(text: string) {
  const [head = '', body = ''] = text.split('\n\n');
  const [requestLine = '', ...headerLines] = head.split('\n');
  const [method = '', target = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return { method, target, headers, body };
}

describe('SigV4Signer against the AWS SigV4 test suite', () => {
  const suite = vectors(SUITE);

  it('has the vectors', () => {
    expect(suite.map((vector) => vector.name).sort()).toEqual([
      'get-header-value-trim',
      'get-unreserved',
      'get-vanilla-query-order-key',
      'get-vanilla-query-order-value',
      'get-vanilla-utf8-query',
      'post-sts-header-before',
      'post-vanilla',
      'post-x-www-form-urlencoded',
      'post-x-www-form-urlencoded-parameters',
    ]);
  });

  it.each(suite)('$name', async ({ request, authorization }) => {
    const { method, target, headers, body } = parseRequest(request);
    const { Host: host, 'X-Amz-Date': date, 'X-Amz-Security-Token': sessionToken, ...rest } = headers;
    const signer = new SigV4Signer({
      region: 'us-east-1',
      service: 'service',
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: SECRET,
        ...(sessionToken === undefined ? {} : { sessionToken }),
      }),
      now: () => SIGNING_DATE,
    });
    const signed = await signer.sign({ method, url: `https://${host}${target}`, headers: rest, body });
    expect(signed.authorization).toBe(authorization);
    expect(signed['x-amz-date']).toBe(date);
    expect(signed.host).toBe(host);
    if (sessionToken !== undefined) expect(signed['x-amz-security-token']).toBe(sessionToken);
  });

  it('signs a different body to a different signature', async () => {
    const signer = new SigV4Signer({
      region: 'us-east-1',
      service: 'aps',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET }),
      now: () => SIGNING_DATE,
    });
    const sign = (body: string) =>
      signer.sign({
        method: 'POST',
        url: 'https://aps-workspaces.us-east-1.amazonaws.com/',
        headers: {},
        body,
      });
    const [a, b] = await Promise.all([sign('query=up'), sign('query=down')]);
    expect(a.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/aps\/aws4_request, /,
    );
    expect(a.authorization).not.toBe(b.authorization);
  });
});
