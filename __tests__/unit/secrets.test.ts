import { describe, expect, it } from 'vitest';
import { awsCredentialSecrets, awsEnvironmentSecrets } from '../../src/secrets.js';

describe('AWS credential secrets', () => {
  it('are the secret access key and the session token, not the access key id', () => {
    expect(awsCredentialSecrets({ secretAccessKey: 'wJalr/K7MDENG', sessionToken: 'IQoJb3JpZ2lu' })).toEqual([
      'wJalr/K7MDENG',
      'IQoJb3JpZ2lu',
    ]);
    expect(awsCredentialSecrets({ secretAccessKey: 'wJalr/K7MDENG' })).toEqual(['wJalr/K7MDENG']);
  });

  it('are read from the variables aws-actions/configure-aws-credentials exports', () => {
    expect(
      awsEnvironmentSecrets({
        AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalr/K7MDENG',
        AWS_SESSION_TOKEN: 'IQoJb3JpZ2lu',
        AWS_REGION: 'us-east-1',
      }),
    ).toEqual(['wJalr/K7MDENG', 'IQoJb3JpZ2lu']);
    expect(awsEnvironmentSecrets({ AWS_SESSION_TOKEN: ' ' })).toEqual([]);
  });
});
