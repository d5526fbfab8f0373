import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Stand-ins for the two AWS endpoints SigV4 runs need, since neither can run here: Amazon Managed Service for
 * Prometheus, which checks each request's signature with the SigV4 algorithm (the SDK's signer recomputes it
 * from the signed headers) before passing it to a real Prometheus; and STS, which hands out temporary
 * credentials for a web identity token or, to a signed caller, for a role.
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Credentials the endpoints accept, by access key id. */
export class CredentialStore {
  private readonly known = new Map<string, AwsCredentials>();

  add(credentials: AwsCredentials): AwsCredentials {
    this.known.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  get(accessKeyId: string): AwsCredentials | undefined {
    return this.known.get(accessKeyId);
  }
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
/** AWS refuses a signature more than 5 minutes from its clock. */
const MAX_SKEW_MS = 5 * 60_000;

/** Why a request's signature is refused, or undefined when it verifies. */
async function signatureProblem(
  request: IncomingMessage,
  body: string,
  store: CredentialStore,
  expected: { region: string; service: string },
): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(String(request.headers.authorization ?? ''));
  if (!match) return 'Missing or malformed Authorization header';
  const [, accessKeyId = '', , region, service, signedHeaders = '', signature = ''] = match;
  if (region !== expected.region) return `Credential should be scoped to a valid region, not ${region}`;
  if (service !== expected.service)
    return `Credential should be scoped to correct service: ${expected.service}`;
  const credentials = store.get(accessKeyId);
  if (!credentials) return 'The security token included in the request is invalid';
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate);
  if (!date) return 'Missing x-amz-date';
  const [, y, mo, d, h, mi, s] = date;
  const signingDate = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS) return 'Signature expired';
  if (
    credentials.sessionToken !== undefined &&
    request.headers['x-amz-security-token'] !== credentials.sessionToken
  ) {
    return 'The security token included in the request is invalid';
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = String(request.headers[name] ?? '');
  const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signer = new SignatureV4({
    credentials,
    region: expected.region,
    service: expected.service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const recomputed = await signer.sign(
    new HttpRequest({
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      body,
    }),
    { signingDate },
  );
  const theirs = Buffer.from(signature, 'hex');
  const ours = Buffer.from(AUTHORIZATION.exec(recomputed.headers.authorization ?? '')?.[6] ?? '', 'hex');
  if (ours.length !== theirs.length || !timingSafeEqual(ours, theirs)) {
    return 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';
  }
  return undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export interface LocalEndpoint {
  /** For the workspace: `http://127.0.0.1:<port>/workspaces/<id>`, as an AMP query URL is shaped. */
  readonly url: string;
  /** Requests refused so far, with why. */
  readonly refusals: string[];
  /** Requests that verified. */
  accepted: number;
  stop(): Promise<void>;
}

async function listen(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
): Promise<{ server: Server; base: string }> {
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/**
 * A workspace endpoint of Amazon Managed Service for Prometheus (service `aps`): a request whose signature
 * verifies is sent on to `upstream` without the `/workspaces/<id>` prefix; any other is refused with 403 and
 * AWS's message.
 */
export async function startManagedPrometheus(options: {
  readonly upstream: string;
  readonly region: string;
  readonly store: CredentialStore;
}): Promise<LocalEndpoint> {
  const workspace = '/workspaces/ws-00000000-0000-0000-0000-000000000000';
  const refusals: string[] = [];
  const endpoint: { accepted: number } = { accepted: 0 };
  const { server, base } = await listen(async (request, response) => {
    const body = await readBody(request);
    const problem = await signatureProblem(request, body, options.store, {
      region: options.region,
      service: 'aps',
    });
    if (problem !== undefined || !request.url?.startsWith(`${workspace}/`)) {
      refusals.push(problem ?? `no such workspace: ${request.url}`);
      response.writeHead(403, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: problem ?? 'Forbidden' }));
      return;
    }
    endpoint.accepted += 1;
    const upstream = await fetch(`${options.upstream}${request.url.slice(workspace.length)}`, {
      method: request.method ?? 'GET',
      headers: { 'Content-Type': String(request.headers['content-type'] ?? 'text/plain') },
      ...(request.method === 'POST' ? { body } : {}),
    });
    response.writeHead(upstream.status, {
      'Content-Type': upstream.headers.get('content-type') ?? 'text/plain',
    });
    response.end(await upstream.text());
  });
  return Object.assign(endpoint, { url: `${base}${workspace}`, refusals, stop: closer(server) });
}

/**
 * STS's AssumeRoleWithWebIdentity (for a token equal to `webIdentityToken`) and AssumeRole (for a caller whose
 * signature verifies), each handing out new temporary credentials that `store` then accepts.
 */
export async function startSts(options: {
  readonly region: string;
  readonly store: CredentialStore;
  readonly webIdentityToken: string;
}): Promise<LocalEndpoint & { readonly issued: AwsCredentials[] }> {
  const refusals: string[] = [];
  const issued: AwsCredentials[] = [];
  const endpoint: { accepted: number } = { accepted: 0 };
  const { server, base } = await listen(async (request, response) => {
    const body = await readBody(request);
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    const refuse = (code: string, message: string) => {
      refusals.push(message);
      response.writeHead(403, { 'Content-Type': 'text/xml' });
      response.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
      );
    };
    if (action === 'AssumeRoleWithWebIdentity') {
      if (form.get('WebIdentityToken') !== options.webIdentityToken) {
        refuse('InvalidIdentityToken', 'Incorrect token audience');
        return;
      }
    } else if (action === 'AssumeRole') {
      const problem = await signatureProblem(request, body, options.store, {
        region: options.region,
        service: 'sts',
      });
      if (problem !== undefined) {
        refuse('SignatureDoesNotMatch', problem);
        return;
      }
    } else {
      refuse('InvalidAction', `unsupported action ${action}`);
      return;
    }
    endpoint.accepted += 1;
    const n = issued.length + 1;
    const credentials = options.store.add({
      accessKeyId: `ASIATEMPORARY${String(n).padStart(7, '0')}`,
      secretAccessKey: `temporary-secret-${n}-${Math.random().toString(36).slice(2)}`,
      sessionToken: `temporary-session-token-${n}-${Math.random().toString(36).slice(2)}`,
    });
    issued.push(credentials);
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    const result = `${action}Result`;
    response.writeHead(200, { 'Content-Type': 'text/xml' });
    response.end(
      `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${result}>` +
        `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
        `<SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>${credentials.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROATEST:${form.get('RoleSessionName')}</AssumedRoleId>` +
        `<Arn>${form.get('RoleArn')}</Arn></AssumedRoleUser></${result}>` +
        `<ResponseMetadata><RequestId>00000000-0000-0000-0000-00000000000${n}</RequestId></ResponseMetadata></${action}Response>`,
    );
  });
  return Object.assign(endpoint, { url: base, refusals, issued, stop: closer(server) });
}
