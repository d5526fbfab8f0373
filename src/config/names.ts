import { ConfigurationError } from '../core/configuration-error.js';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// The name goes into the sticky PR comment's HTML marker, so it must not contain `--` or `>`.
const EXPERIMENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]|-(?!-))*$/;

/** A Kubernetes namespace, service or revision name: an RFC 1123 label, as the API server requires. */
export function parseDnsLabel(value: unknown, input: string, example: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length > 63 || !DNS_1123_LABEL.test(text)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a valid Kubernetes name; Kubernetes accepts only lower-case letters, digits ` +
        'and "-", starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)',
      example,
    );
  }
  return text;
}

/** The experiment's name, shown in reports and used in the sticky PR comment's marker. */
export function parseExperimentName(value: unknown, input: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length > 100 || !EXPERIMENT_NAME.test(text)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a valid name; use letters, digits, ".", "_" and single "-", at most 100 characters`,
      'checkout-dark',
    );
  }
  return text;
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** The name of most Kubernetes objects (Deployment, VirtualService, HTTPRoute): an RFC 1123 subdomain. */
export function parseDnsSubdomain(value: unknown, input: string, example: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length > 253 || !DNS_1123_SUBDOMAIN.test(text)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a valid Kubernetes object name; use lower-case letters, digits, "-" and ".", ` +
        'starting and ending with a letter or digit, at most 253 characters (RFC 1123 subdomain)',
      example,
    );
  }
  return text;
}
