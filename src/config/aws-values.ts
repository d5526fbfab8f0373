import { ConfigurationError } from '../core/configuration-error.js';

// Region names as AWS forms them: partition prefix, area, number (us-east-1, ap-southeast-4, us-gov-west-1).
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
// arn:<partition>:iam::<account>:role/<path/name>; the partition is aws, aws-cn or aws-us-gov.
const IAM_ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export const AWS_REGION_EXAMPLE = 'us-east-1';
export const AWS_ROLE_ARN_EXAMPLE = 'arn:aws:iam::123456789012:role/shadowgate-amp-query';

/** An AWS region name, e.g. `eu-west-1`. */
export function parseAwsRegion(value: unknown, input: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!AWS_REGION.test(text)) {
    throw new ConfigurationError(input, `${JSON.stringify(value)} is not an AWS region`, AWS_REGION_EXAMPLE);
  }
  return text;
}

/** The ARN of an IAM role to assume. */
export function parseAwsRoleArn(value: unknown, input: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!IAM_ROLE_ARN.test(text)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not the ARN of an IAM role`,
      AWS_ROLE_ARN_EXAMPLE,
    );
  }
  return text;
}

/**
 * The region in an Amazon Managed Service for Prometheus URL (`aps-workspaces.<region>.amazonaws.com`), or
 * undefined for any other host.
 */
export function managedPrometheusRegion(url: string): string | undefined {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
}
