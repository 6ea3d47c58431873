import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSeriesBudget } from '#adapters/dynamodb/series-budget.js';
import { createWindowStateTable } from '#adapters/dynamodb/table.js';
import { type Dynalite, startDynalite } from '../../support/dynalite.js';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
  await createWindowStateTable(db.client, 'budget');
});
afterAll(() => db?.stop());

describe('DynamoSeriesBudget', () => {
  it('never grants past the limit, also to concurrent requests, per tenant and window', async () => {
    const budget = new DynamoSeriesBudget({ client: db.client, tableName: 'budget' });
    const grants = await Promise.all(
      Array.from({ length: 30 }, () => budget.reserve('acme', 60_000, 1, 10, 9_999_999_999)),
    );
    expect(grants.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
    expect(grants.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await budget.reserve('acme', 120_000, 7, 10, 9_999_999_999)).toBe(7);
    expect(await budget.reserve('acme', 120_000, 7, 10, 9_999_999_999)).toBe(3);
    expect(await budget.reserve('acme', 120_000, 1, 10, 9_999_999_999)).toBe(0);
    expect(await budget.reserve('other', 120_000, 10, 10, 9_999_999_999)).toBe(10);
    expect(await budget.reserve('acme', 120_000, 0, 10, 9_999_999_999)).toBe(0);
  });
});
