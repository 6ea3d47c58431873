import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#adapters/dynamodb/client.js';
import { startDynalite } from '../../support/dynalite.js';

describe('Function: startDynalite', () => {
  it('serves the DynamoDB API on a free loopback port and stops cleanly (twice is fine)', async () => {
    const [a, b] = await Promise.all([startDynalite(), startDynalite()]);
    expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.endpoint).not.toBe(b.endpoint);
    expect((await a.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    await Promise.all([a.stop(), b.stop()]);
    await a.stop();

    const late = createLocalDynamoClient(a.endpoint, { maxAttempts: 1 });
    await expect(late.send(new ListTablesCommand({}))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    late.destroy();
  });
});
