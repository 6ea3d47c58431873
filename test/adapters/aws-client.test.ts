import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '#adapters/aws-client.js';

describe('Function: awsClientConfig', () => {
  it('passes only what is set, with the given request timeout default', () => {
    expect(awsClientConfig({}, 5_000)).toEqual({
      requestHandler: { requestTimeout: 5_000, connectionTimeout: 1_000 },
    });
    expect(
      awsClientConfig(
        {
          endpoint: 'http://127.0.0.1:1',
          region: 'local',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          maxAttempts: 2,
          requestTimeoutMs: 7,
          connectionTimeoutMs: 3,
        },
        25_000,
      ),
    ).toEqual({
      endpoint: 'http://127.0.0.1:1',
      region: 'local',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 2,
      requestHandler: { requestTimeout: 7, connectionTimeout: 3 },
    });
  });
});
