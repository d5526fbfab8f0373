import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrometheusTls } from '../../src/core/config.js';
import { PrometheusClient } from '../../src/metrics/prometheus-client.js';
import { makeServerCertificate } from '../support/test-ca.js';

// HTTPS to a server whose certificate is signed by a CA made here with openssl, for 127.0.0.1.

const dir = mkdtempSync(join(tmpdir(), 'shadowgate-tls-'));
let server: Server;
let url = '';
let caPem = '';

beforeAll(async () => {
  const certificate = makeServerCertificate(dir);
  caPem = certificate.caPem;
  server = createServer({ key: certificate.key, cert: certificate.cert }, (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"status":"success","data":{"resultType":"scalar","result":[1700000000,"7"]}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const query = (tls: PrometheusTls) =>
  new PrometheusClient({ url, auth: { headers: {} }, tls, timeoutMs: 2_000, attempts: 1 }).query(
    { promql: 'vector(7)', input: 'test' },
    Date.now(),
  );

describe('PrometheusClient over TLS', () => {
  it('trusts a server signed by the configured CA bundle', async () => {
    expect(await query({ caBundle: caPem, insecureSkipVerify: false })).toEqual({ status: 'ok', value: 7 });
  });

  it('refuses an unknown CA with a configuration error that says what to set', async () => {
    await expect(query({ insecureSkipVerify: false })).rejects.toMatchObject({
      input: 'prometheus.tls',
      message: expect.stringContaining('trust its CA with the CA bundle'),
    });
  });

  it('skips verification when asked', async () => {
    expect(await query({ insecureSkipVerify: true })).toEqual({ status: 'ok', value: 7 });
  });
});
