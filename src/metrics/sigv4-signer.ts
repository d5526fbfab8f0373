import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { PrometheusSigV4 } from '../core/config.js';
import { ConfigurationError } from '../core/configuration-error.js';

/** The signing name of Amazon Managed Service for Prometheus. */
export const MANAGED_PROMETHEUS_SERVICE = 'aps';

/** An HTTP request about to be sent; `headers` are the ones to sign (names in any case). */
export interface SignableRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SigV4SignerOptions {
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentialIdentityProvider;
  /** The signing time; injected so the published test vectors can be reproduced. */
  readonly now?: () => Date;
}

/** Signs requests with AWS Signature V4 through the AWS SDK's own signer. */
export class SigV4Signer {
  private readonly signer: SignatureV4;
  private readonly now: () => Date;

  constructor(options: SigV4SignerOptions) {
    this.signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: options.service,
      sha256: Hash.bind(null, 'sha256'),
      // The payload's hash is in the canonical request either way; the header is only S3's business.
      applyChecksum: false,
    });
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Every header to send: the given ones plus `host`, `x-amz-date`, `authorization` and, with temporary
   * credentials, `x-amz-security-token`. Rejects as the credentials provider does.
   */
  async sign(request: SignableRequest): Promise<Record<string, string>> {
    const url = new URL(request.url);
    const signed = await this.signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query: queryOf(url),
        // The host is signed as the URL gives it, which is what the HTTP client sends.
        headers: { ...withoutHost(request.headers), host: url.host },
        body: request.body,
      }),
      { signingDate: this.now() },
    );
    return signed.headers;
  }
}

/**
 * The runner's AWS credentials through the SDK's default chain (environment variables as
 * aws-actions/configure-aws-credentials exports them, a web identity token file with AWS_ROLE_ARN, shared
 * files, container and instance metadata), optionally exchanged for a role's. Cached until shortly before they
 * expire; `onCredentials` sees each new set, to mask it. Rejects with a ConfigurationError when none are found or
 * STS refuses them; other failures (an STS outage) reject as they are, for the caller to retry.
 */
export function runnerCredentials(
  sigv4: PrometheusSigV4,
  onCredentials: (credentials: AwsCredentialIdentity) => void,
): AwsCredentialIdentityProvider {
  // The workspace's region for STS too (a web identity token is exchanged there), not the SDK's us-east-1 default.
  const chain = fromNodeProviderChain({ clientConfig: { region: sigv4.region } });
  const provider: AwsCredentialIdentityProvider =
    sigv4.roleArn === undefined
      ? chain
      : fromTemporaryCredentials({
          params: { RoleArn: sigv4.roleArn, RoleSessionName: 'shadowgate' },
          masterCredentials: chain,
          clientConfig: { region: sigv4.region },
        });
  return memoizeIdentityProvider(
    async () => {
      const credentials = await provider().catch((error: unknown) => {
        throw credentialProblem(error, sigv4) ?? error;
      });
      onCredentials(credentials);
      return credentials;
    },
    isIdentityExpired,
    doesIdentityRequireRefresh,
  ) as AwsCredentialIdentityProvider;
}

function withoutHost(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host'));
}

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

const CREDENTIALS_EXAMPLE =
  'a step before Shadowgate: uses: aws-actions/configure-aws-credentials@v5 with role-to-assume and aws-region';

function credentialProblem(error: unknown, sigv4: PrometheusSigV4): ConfigurationError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'CredentialsProviderError') {
    return new ConfigurationError(
      'prometheus-auth',
      `sigv4 found no AWS credentials in the runner environment (${error.message})`,
      CREDENTIALS_EXAMPLE,
    );
  }
  // STS refusing the caller or the role (AccessDenied, InvalidIdentityToken, ExpiredToken): a 4xx, not an outage.
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ConfigurationError(
      sigv4.roleArn === undefined ? 'prometheus-auth' : 'aws-role-arn',
      `AWS STS refused the runner's credentials or the role (${error.name}: ${error.message})`,
      'a trust policy on the role that allows the runner, e.g. {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::123456789012:role/github-runner"}}',
    );
  }
  return undefined;
}
