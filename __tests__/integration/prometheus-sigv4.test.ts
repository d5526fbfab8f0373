import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PrometheusSigV4 } from '../../src/core/config.js';
import { PrometheusClient } from '../../src/metrics/prometheus-client.js';
import {
  freePort,
  type PrometheusServer,
  prometheusBinaries,
  startPrometheus,
} from '../support/prometheus-server.js';
import {
  CredentialStore,
  type LocalEndpoint,
  startManagedPrometheus,
  startSts,
} from '../support/sigv4-endpoint.js';

// Shadowgate's client signing with the AWS SDK's own credential providers, as a runner leaves them (the
// variables aws-actions/configure-aws-credentials exports, a web identity token file with a role), against a
// local workspace endpoint that verifies each signature before passing the query to a real Prometheus 3.

const REGION = 'eu-west-1';
const ROLE = 'arn:aws:iam::123456789012:role/shadowgate-amp-query';
const WEB_IDENTITY_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.github-oidc-token-for-tests.signature';
const RUNNER = {
  accessKeyId: 'ASIARUNNEREXAMPLE001',
  secretAccessKey: 'runner/secret/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'runner-session-token-IQoJb3JpZ2luX2VjEXAMPLE',
};

const dir = mkdtempSync(join(tmpdir(), 'shadowgate-sigv4-'));
const tokenFile = join(dir, 'web-identity-token');
writeFileSync(tokenFile, WEB_IDENTITY_TOKEN);
const store = new CredentialStore();
store.add(RUNNER);
let prometheus: PrometheusServer;
let workspace: LocalEndpoint;
let sts: Awaited<ReturnType<typeof startSts>>;

beforeAll(async () => {
  const binary = prometheusBinaries()[1];
  if (!binary) throw new Error('no Prometheus 3');
  prometheus = await startPrometheus({ binary, targets: [] });
  workspace = await startManagedPrometheus({ upstream: prometheus.url, region: REGION, store });
  sts = await startSts({ region: REGION, store, webIdentityToken: WEB_IDENTITY_TOKEN });
});
afterAll(async () => {
  await workspace?.stop();
  await sts?.stop();
  await prometheus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Only what a test sets: no shared files, no instance metadata (the SDK would ask 169.254.169.254). */
function runnerEnvironment(variables: Record<string, string>): void {
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_ENDPOINT_URL_STS', sts.url);
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_PROFILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  ]) {
    vi.stubEnv(name, variables[name]);
  }
}
afterEach(() => {
  vi.unstubAllEnvs();
});

function query(sigv4: PrometheusSigV4, url = workspace.url) {
  const masked: string[] = [];
  const client = new PrometheusClient(
    { url, auth: { headers: {}, sigv4 }, tls: { insecureSkipVerify: false }, timeoutMs: 5_000, attempts: 1 },
    { mask: (secret) => masked.push(secret) },
  );
  return { outcome: client.query({ promql: 'vector(7)', input: 'test' }, Date.now()), masked };
}

describe('SigV4 for Amazon Managed Service for Prometheus', () => {
  it('signs with the credentials configure-aws-credentials exports, and masks the secret parts', async () => {
    runnerEnvironment({
      AWS_ACCESS_KEY_ID: RUNNER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: RUNNER.secretAccessKey,
      AWS_SESSION_TOKEN: RUNNER.sessionToken,
    });
    const before = workspace.accepted;
    const { outcome, masked } = query({ region: REGION });
    expect(await outcome).toEqual({ status: 'ok', value: 7 });
    expect(workspace.accepted).toBe(before + 1);
    expect(masked).toEqual([RUNNER.secretAccessKey, RUNNER.sessionToken]);
  });

  it('is refused with a wrong secret, and says which input to check', async () => {
    runnerEnvironment({
      AWS_ACCESS_KEY_ID: RUNNER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'not-the-secret',
      AWS_SESSION_TOKEN: RUNNER.sessionToken,
    });
    const { outcome } = query({ region: REGION });
    await expect(outcome).rejects.toMatchObject({
      input: 'prometheus-auth',
      message: expect.stringContaining('refused the SigV4-signed request (HTTP 403'),
    });
    expect(workspace.refusals.at(-1)).toMatch(/signature we calculated does not match/);
  });

  it('is refused when signed for another region', async () => {
    runnerEnvironment({
      AWS_ACCESS_KEY_ID: RUNNER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: RUNNER.secretAccessKey,
      AWS_SESSION_TOKEN: RUNNER.sessionToken,
    });
    await expect(query({ region: 'us-east-1' }).outcome).rejects.toMatchObject({ input: 'prometheus-auth' });
    expect(workspace.refusals.at(-1)).toMatch(/valid region/);
  });

  it('exchanges a web identity token file and AWS_ROLE_ARN for temporary credentials, and masks those', async () => {
    runnerEnvironment({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE });
    const { outcome, masked } = query({ region: REGION });
    expect(await outcome).toEqual({ status: 'ok', value: 7 });
    const issued = sts.issued.at(-1);
    expect(masked).toEqual([issued?.secretAccessKey, issued?.sessionToken]);
  });

  it('assumes aws-role-arn with the runner credentials, signing the STS call with them', async () => {
    runnerEnvironment({
      AWS_ACCESS_KEY_ID: RUNNER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: RUNNER.secretAccessKey,
      AWS_SESSION_TOKEN: RUNNER.sessionToken,
    });
    const before = sts.issued.length;
    const { outcome, masked } = query({ region: REGION, roleArn: ROLE });
    expect(await outcome).toEqual({ status: 'ok', value: 7 });
    expect(sts.issued).toHaveLength(before + 1);
    const issued = sts.issued.at(-1);
    expect(masked).toEqual([issued?.secretAccessKey, issued?.sessionToken]);
  });

  it('names aws-role-arn when STS refuses to assume it', async () => {
    runnerEnvironment({
      AWS_ACCESS_KEY_ID: RUNNER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'not-the-secret',
      AWS_SESSION_TOKEN: RUNNER.sessionToken,
    });
    await expect(query({ region: REGION, roleArn: ROLE }).outcome).rejects.toMatchObject({
      input: 'aws-role-arn',
      message: expect.stringContaining('AWS STS refused'),
    });
  });

  it('treats STS out of reach as the backend being unavailable, not as a configuration error', async () => {
    runnerEnvironment({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE });
    vi.stubEnv('AWS_ENDPOINT_URL_STS', `http://127.0.0.1:${await freePort()}`);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const outcome = await query({ region: REGION }).outcome;
    expect(outcome).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/no AWS credentials to sign with \(.*ECONNREFUSED.*\) \(1 attempt\)$/),
    });
  });

  it('says how to provide credentials when the runner has none', async () => {
    runnerEnvironment({});
    await expect(query({ region: REGION }).outcome).rejects.toMatchObject({
      input: 'prometheus-auth',
      message: expect.stringMatching(
        /sigv4 found no AWS credentials in the runner environment[\s\S]*Example: .*aws-actions\/configure-aws-credentials/,
      ),
    });
  });
});
