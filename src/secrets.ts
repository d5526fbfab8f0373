import { parse } from 'yaml';
import type { ExperimentConfig } from './core/config.js';

/** Every credential a config carries, to be masked before anything is logged. */
export function configSecrets(config: ExperimentConfig): string[] {
  const auth = config.prometheus?.auth;
  const kubeconfig = config.cluster?.kubeconfig;
  return nonEmpty([
    auth?.bearerToken,
    auth?.basic?.password,
    ...Object.values(auth?.headers ?? {}),
    config.reporting.githubToken,
    ...(kubeconfig?.kind === 'inline' ? kubeconfigSecrets(kubeconfig.yaml) : []),
  ]);
}

/** Secret inputs and the credentials inside them, masked before the config is even parsed (a parse error may quote an input). */
export function inputSecrets(getInput: (name: string) => string): string[] {
  const headers = getInput('prometheus-headers');
  return nonEmpty([
    getInput('github-token'),
    getInput('prometheus-token'),
    getInput('prometheus-password'),
    ...headerValues(headers),
    ...kubeconfigSecrets(getInput('kubeconfig')),
  ]);
}

/** The secret parts of a set of AWS credentials: the secret access key and the session token, not the key id. */
export function awsCredentialSecrets(credentials: {
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}): string[] {
  return nonEmpty([credentials.secretAccessKey, credentials.sessionToken]);
}

/**
 * The AWS credentials in the runner's environment, masked before anything runs: aws-actions/configure-aws-credentials
 * masks what it exports, but variables set by hand from a non-secret source are not.
 */
export function awsEnvironmentSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return awsCredentialSecrets({
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    sessionToken: env.AWS_SESSION_TOKEN,
  });
}

/** Values of a multi-line `Name: value` headers input, so each is masked on its own. */
function headerValues(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.slice(line.indexOf(':') + 1).trim())
    .filter((value) => value !== '');
}

const CREDENTIAL_KEY = /token|key|password|secret/i;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/**
 * The credentials in a kubeconfig (YAML or base64 of it): the base64 form as given, and each credential in its
 * users (tokens, passwords, client keys, base64 `*-data` both encoded and decoded). Not the YAML as a whole: the
 * runner masks a multi-line value line by line, and lines such as `kind: Config` would then vanish from every log.
 */
export function kubeconfigSecrets(text: string): string[] {
  const given = text.trim();
  if (given === '') return [];
  const isBase64 = BASE64.test(given);
  const yaml = isBase64 ? Buffer.from(given, 'base64').toString('utf8') : given;
  let document: unknown;
  try {
    document = parse(yaml, { maxAliasCount: 20 });
  } catch {
    document = undefined;
  }
  const users = isRecord(document) && Array.isArray(document.users) ? document.users : [];
  const credentials = users.flatMap((entry) => (isRecord(entry) ? credentialValues(entry.user) : []));
  return nonEmpty([isBase64 ? given : undefined, ...credentials]);
}

/** Masks each secret once (the runner would print `::add-mask::` again for every repeat). */
export function maskOnce(setSecret: (secret: string) => void): (secrets: readonly string[]) => void {
  const masked = new Set<string>();
  return (secrets) => {
    for (const secret of secrets) {
      if (!secret || masked.has(secret)) continue;
      setSecret(secret);
      masked.add(secret);
    }
  };
}

function credentialValues(node: unknown, key = ''): string[] {
  if (typeof node === 'string') {
    if (!CREDENTIAL_KEY.test(key)) return [];
    return key.endsWith('-data') ? [node, Buffer.from(node, 'base64').toString('utf8')] : [node];
  }
  if (Array.isArray(node)) return node.flatMap((item) => credentialValues(item, key));
  if (isRecord(node)) return Object.entries(node).flatMap(([name, value]) => credentialValues(value, name));
  return [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(values: readonly (string | undefined)[]): string[] {
  return values.filter((value): value is string => typeof value === 'string' && value.trim() !== '');
}
