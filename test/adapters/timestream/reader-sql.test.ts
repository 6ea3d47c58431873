/**
 * The reader's SQL against hostile values. Timestream has no bind parameters, so the claim to check
 * is: a value either is refused with a clear error before any request, or it reaches the statement
 * only as the content of one correctly escaped string literal. Checked with a Trino-rules tokenizer
 * (`tokenizeSql`): the statement built with the hostile value has exactly the token structure
 * (keywords, identifiers, operators, numbers) of the one built with a benign value, and the literal
 * decodes back to the value as the sink stores it. Once for a list of classic attacks, through the
 * real SDK and the fake endpoint, and as a property over arbitrary strings (fast-check).
 */
import type { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capValue } from '#adapters/timestream/dimension-values.js';
import { TimestreamReader } from '#adapters/timestream/reader.js';
import {
  buildStatement,
  filterDimensionNames,
  type StatementInput,
  sqlIdentifier,
  sqlInteger,
  sqlString,
} from '#adapters/timestream/reader-sql.js';
import { StoreRequestError } from '#app/errors.js';
import type { ResultQuery } from '#app/results.js';
import {
  type FakeTimestreamQuery,
  fakeTimestreamQueryClient,
  type SqlToken,
  startFakeTimestreamQuery,
  tokenizeSql,
} from '../../support/fake-timestream-query.js';

const BENIGN: StatementInput = {
  database: 'windrow',
  table: 'tier_1m',
  tenant: 'acme',
  metric: 'http.server.duration',
  fromMs: 1_700_000_040_000,
  toMs: 1_700_000_220_000,
  where: { host: 'benign' },
  limit: 100,
};

/** The statement's structure: every token but string literals as it is, literals as a placeholder. */
function structure(tokens: readonly SqlToken[]): string[] {
  return tokens.map((t) => (t.kind === 'string' ? 'STRING' : `${t.kind}:${t.text}`));
}

/** Same, with quoted identifiers as a placeholder too (for statements whose filter key differs). */
function shape(tokens: readonly SqlToken[]): string[] {
  return tokens.map((t) =>
    t.kind === 'string' ? 'STRING' : t.kind === 'quoted' ? 'QUOTED' : `${t.kind}:${t.text}`,
  );
}

const literals = (tokens: readonly SqlToken[]) =>
  tokens.filter((t) => t.kind === 'string').map((t) => t.text);
const quotedNames = (tokens: readonly SqlToken[]) =>
  tokens.filter((t) => t.kind === 'quoted').map((t) => t.text);

/** What the statement must refuse: C0/DEL/C1 controls and lone surrogates. */
function unsayable(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return true;
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

const HOSTILE = [
  "' OR 1=1 --",
  "'; DROP TABLE x; --",
  "x' OR 'a'='a",
  "''",
  "'",
  '/* */',
  "*/ OR 1=1 /*'",
  '\\',
  "\\'",
  "\\' OR 1=1 --",
  'C:\\Windows\\system32\\',
  '’ OR ‘1’=‘1',
  '＇ OR 1=1 --',
  '" OR "1"="1',
  '"; DROP TABLE x; --',
  '$__timeFilter',
  '@param',
  '%_%',
  '😀 emoji and 中文',
  `${"'".repeat(300)}`,
  `${"' OR 1=1 -- ".repeat(400)}`,
  'x'.repeat(5000),
];

const REFUSED = [
  'a\u0000b',
  'line\nbreak',
  'tab\there',
  'bell\u0007',
  'del\u007f',
  'c1\u0085',
  '\ud800',
  'x\udc00y',
];

/** Characters that matter to SQL lexers, controls, lone surrogates, and some ordinary ones. */
const special = fc.constantFrom(
  "'",
  '"',
  '\\',
  '-',
  '/',
  '*',
  ';',
  ' ',
  '’',
  '‘',
  '＇',
  '\u0000',
  '\n',
  '\u0085',
  '\ud800',
  '\udc00',
  'a',
  'é',
  '😀',
);
/** Arbitrary strings: any code point, any UTF-16 unit, dense in special characters, and long. */
const values = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: special, maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 40,
  }),
  fc.string({ unit: special, minLength: 200, maxLength: 600 }),
);

describe('Module: reader-sql', () => {
  describe('Function: sqlString', () => {
    it('doubles single quotes and nothing else', () => {
      expect(sqlString("O'Brien")).toBe("'O''Brien'");
      expect(sqlString('back\\slash')).toBe("'back\\slash'");
      expect(sqlString('’‘＇"')).toBe("'’‘＇\"'");
      expect(sqlString('')).toBe("''");
    });

    it('refuses control characters and lone surrogates, naming the character', () => {
      expect(() => sqlString('a\u0000b', 'value of attribute "k"')).toThrow(
        /value of attribute "k" holds the control character U\+0000 at index 1/,
      );
      expect(() => sqlString('c1\u0085')).toThrow(/U\+0085/);
      expect(() => sqlString('\ud800')).toThrow(/lone surrogate at index 0/);
      for (const value of REFUSED) expect(() => sqlString(value)).toThrow(StoreRequestError);
    });
  });

  describe('Function: sqlIdentifier / sqlInteger', () => {
    it('quotes only names of the Timestream alphabet', () => {
      expect(sqlIdentifier('resource.service.name')).toBe('"resource.service.name"');
      for (const bad of ['', 'a"b', 'a b', 'x;--', 'ä', 'a'.repeat(257)]) {
        expect(() => sqlIdentifier(bad)).toThrow(StoreRequestError);
      }
    });

    it('prints safe integers only', () => {
      expect(sqlInteger(1_700_000_040_000)).toBe('1700000040000');
      expect(sqlInteger(-5)).toBe('-5');
      for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
        expect(() => sqlInteger(bad)).toThrow(StoreRequestError);
      }
    });
  });

  describe('Function: buildStatement', () => {
    const benign = tokenizeSql(buildStatement(BENIGN).sql);

    it('keeps the token structure for every hostile value, in every position', () => {
      for (const value of HOSTILE) {
        for (const input of [
          { ...BENIGN, where: { host: value } },
          { ...BENIGN, tenant: value },
          { ...BENIGN, metric: value },
        ]) {
          const tokens = tokenizeSql(buildStatement(input).sql);
          expect(structure(tokens), value).toEqual(structure(benign));
          expect(literals(tokens)).toEqual([
            'stats',
            capValue(input.tenant, 256).value,
            capValue(input.metric, 256).value,
            capValue(input.where.host ?? '', 256).value,
          ]);
        }
      }
    });

    it('refuses unsayable values before building anything', () => {
      for (const value of REFUSED) {
        expect(() => buildStatement({ ...BENIGN, where: { host: value } })).toThrow(StoreRequestError);
        expect(() => buildStatement({ ...BENIGN, tenant: value })).toThrow(StoreRequestError);
        expect(() => buildStatement({ ...BENIGN, metric: value })).toThrow(StoreRequestError);
      }
    });

    it('turns hostile keys into dimension names of the safe alphabet', () => {
      for (const key of ['a"b', '" OR 1=1 --', 'x"; DROP TABLE y; --', 'time', 'count', 'k\u0000', '']) {
        const tokens = tokenizeSql(buildStatement({ ...BENIGN, where: { [key]: 'v' } }).sql);
        expect(shape(tokens), key).toEqual(shape(benign));
        const name = quotedNames(tokens).at(-2); // …, "<filter>", "series_id"
        expect(name).toBe(filterDimensionNames([key]).get(key));
        expect(name).toMatch(/^[A-Za-z0-9_.-]{1,60}$/);
      }
    });

    it('property: any value is refused or appears only as one escaped literal', () => {
      const position = fc.constantFrom('where', 'tenant', 'metric');
      fc.assert(
        fc.property(values, position, (value, where) => {
          fc.pre(value !== '' && value !== 'null'); // those filters are tested on their own
          const input =
            where === 'where'
              ? { ...BENIGN, where: { host: value } }
              : where === 'tenant'
                ? { ...BENIGN, tenant: value }
                : { ...BENIGN, metric: value };
          let sql: string;
          try {
            sql = buildStatement(input).sql;
          } catch (error) {
            expect(error).toBeInstanceOf(StoreRequestError);
            expect(unsayable(value)).toBe(true);
            return;
          }
          expect(unsayable(value)).toBe(false);
          const tokens = tokenizeSql(sql);
          expect(structure(tokens)).toEqual(structure(benign));
          expect(literals(tokens)).toContain(capValue(value, 256).value);
        }),
        { numRuns: 2000 },
      );
    });

    it('property: any key becomes one safe quoted name in the filter position', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (key) => {
          const tokens = tokenizeSql(buildStatement({ ...BENIGN, where: { [key]: 'v' } }).sql);
          expect(shape(tokens)).toEqual(shape(benign));
          expect(quotedNames(tokens).at(-2)).toMatch(/^[A-Za-z0-9_.-]{1,60}$/);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('Class: TimestreamReader (hostile values through the SDK)', () => {
  let fake: FakeTimestreamQuery;
  let client: TimestreamQueryClient;
  const QUERY: ResultQuery = {
    tenant: 'acme',
    metric: 'http.server.duration',
    window: '1m',
    fromMs: BENIGN.fromMs,
    toMs: BENIGN.toMs,
    where: { host: 'benign' },
    limit: 100,
  };

  beforeAll(async () => {
    fake = await startFakeTimestreamQuery();
    client = fakeTimestreamQueryClient(fake);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    client.destroy();
    await fake.stop();
  });

  it('sends hostile values only inside literals, and refuses unsayable ones before any request', async () => {
    const reader = new TimestreamReader({ client, databaseName: 'windrow' });
    await reader.read(QUERY);
    const benign = tokenizeSql(fake.statements()[0] ?? '');

    for (const value of HOSTILE) {
      fake.reset();
      expect(await reader.read({ ...QUERY, where: { host: value } })).toEqual([]);
      const sent = fake.statements();
      expect(sent, value).toHaveLength(1);
      const tokens = tokenizeSql(sent[0] ?? '');
      expect(structure(tokens), value).toEqual(structure(benign));
      expect(literals(tokens).at(-1)).toBe(capValue(value, 256).value);
    }

    for (const value of REFUSED) {
      fake.reset();
      for (const query of [
        { ...QUERY, where: { host: value } },
        { ...QUERY, tenant: value },
        { ...QUERY, metric: value },
      ]) {
        const error = await reader.read(query).catch((e: unknown) => e);
        expect(error, JSON.stringify(value)).toBeInstanceOf(StoreRequestError);
        expect((error as Error).message).toMatch(/refused before any request/);
      }
      expect(fake.requests).toEqual([]);
    }
  });

  it('property: through the SDK, a statement either never leaves or tokenizes like the benign one', async () => {
    const reader = new TimestreamReader({ client, databaseName: 'windrow' });
    await reader.read(QUERY);
    const benign = structure(tokenizeSql(fake.statements()[0] ?? ''));
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        fc.pre(value !== '' && value !== 'null');
        fake.reset();
        const outcome = await reader.read({ ...QUERY, where: { host: value } }).catch((e: unknown) => e);
        if (outcome instanceof StoreRequestError) {
          expect(unsayable(value)).toBe(true);
          expect(fake.requests).toEqual([]);
          return;
        }
        expect(outcome).toEqual([]);
        const sent = fake.statements();
        expect(sent).toHaveLength(1);
        expect(structure(tokenizeSql(sent[0] ?? ''))).toEqual(benign);
      }),
      { numRuns: 200 },
    );
  });
});
