// The load generator against an https load-url: TLS connections, verified against a CA this process trusts
// (a test CA made with openssl, added to Node's default CA set as NODE_EXTRA_CA_CERTS would).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoadGenerator } from '../../../src/traffic/load-generator.js';
import { makeServerCertificate } from '../../support/test-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'shadowgate-load-tls-'));
let server: Server;
let url = '';
const paths: string[] = [];

beforeAll(async () => {
  const { caPem, key, cert } = makeServerCertificate(dir);
  setDefaultCACertificates([...getCACertificates('default'), caPem]);
  server = createServer({ key, cert }, (request, response) => {
    paths.push(request.url ?? '');
    // A chunked body, split over writes, so the reader sees responses cut across TLS records.
    response.writeHead(request.url === '/fail' ? 503 : 200);
    response.write('part one, ');
    setImmediate(() => response.end('part two'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the load generator over https', () => {
  it('sends the load over verified TLS and counts every response by status', async () => {
    const load = new LoadGenerator({
      url,
      ratePerSecond: 200,
      concurrency: 4,
      requests: [
        { method: 'GET', path: '/ok', headers: {}, weight: 3 },
        { method: 'GET', path: '/fail', headers: {}, weight: 1 },
      ],
      timeoutMs: 2_000,
    });
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const report = await load.stop();
    expect(report.sent).toBeGreaterThan(100);
    expect(report.failures + report.timeouts).toBe(0);
    expect(report.completed).toBe(report.sent);
    expect((report.statuses.get(200) ?? 0) + (report.statuses.get(503) ?? 0)).toBe(report.completed);
    expect(report.statuses.get(503)).toBe(paths.filter((path) => path === '/fail').length);
  });

  it('fails every request, with no response, when the certificate is not trusted', async () => {
    setDefaultCACertificates(getCACertificates('bundled'));
    const load = new LoadGenerator({
      url,
      ratePerSecond: 50,
      concurrency: 2,
      requests: [{ method: 'GET', path: '/ok', headers: {}, weight: 1 }],
      timeoutMs: 2_000,
    });
    const before = paths.length;
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await load.stop();
    expect(report.sent).toBeGreaterThan(0);
    expect(report.failures).toBe(report.sent);
    expect(report.statuses.size).toBe(0);
    expect(paths.length).toBe(before);
  });
});
