/** The test helper itself: a throwaway PostgreSQL 15 starts, with and without TimescaleDB, and goes away. */
import { existsSync } from 'node:fs';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { describePostgres, startPostgres } from '../../support/postgres.js';

describePostgres('test PostgreSQL servers', () => {
  it.each([false, true])(
    'start, answer and are removed (timescale: %s)',
    async (timescale) => {
      const server = await startPostgres({ timescale });
      try {
        const url = await server.createDatabase();
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        try {
          const [version] = await sql`select current_setting('server_version_num')::int as v`;
          expect(version?.v).toBeGreaterThanOrEqual(150000);
          if (timescale) {
            await sql`create extension if not exists timescaledb`;
            const [ext] = await sql`select extversion from pg_extension where extname = 'timescaledb'`;
            expect(ext?.extversion).toBe('2.28.3');
          } else {
            const [row] = await sql`select current_setting('shared_preload_libraries') as libs`;
            expect(row?.libs).not.toContain('timescaledb');
          }
        } finally {
          await sql.end();
        }
      } finally {
        await server.stop();
      }
      expect(existsSync(server.dataDir)).toBe(false);
    },
    60_000,
  );
});
