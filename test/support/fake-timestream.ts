/**
 * A protocol-level fake of the Timestream for LiveAnalytics write endpoint on loopback, for tests
 * that drive the real `@aws-sdk/client-timestream-write` client (with a custom `endpoint` the SDK
 * skips endpoint discovery and speaks AWS JSON 1.0: `POST /`, `X-Amz-Target:
 * Timestream_20181101.WriteRecords`, JSON body).
 *
 * It enforces the documented rules on its own (it does not import the adapter's rule checker, so the
 * two can catch each other's mistakes):
 * - request level → HTTP 400 `ValidationException`, nothing stored: 1–100 records, dimension names
 *   1–60 bytes, dimension and measure value types, measure values 1–2048 characters, `Version` ≥ 1,
 *   integer `Time`, CommonAttributes dimensions that overlap a record's;
 * - unknown database or table → HTTP 404 `ResourceNotFoundException` ("The table x does not exist.");
 * - record level → HTTP 419 `RejectedRecordsException` listing `{RecordIndex, Reason, ExistingVersion}`
 *   while the other records of the call are stored: reserved names (`measure_name`, `measure_value`,
 *   `time`, prefixes `ts_` and `measure_value`, case-insensitive), `:` in names, empty dimension
 *   values, repeated names, > 2 KB of dimension names + values, > 2 KB per record (metered size),
 *   > 128 dimensions per table, a name used as both dimension and measure, a measure whose type differs
 *   from its first write, the multi-measure shape, time more than 15 minutes ahead of the fake's clock
 *   or behind the table's memory-store retention ("The record timestamp is outside the time range …").
 * - versions: records are keyed by (table, dimensions, measure name, time). The same key with the same
 *   measure values is an idempotent success (the version is raised if higher); a higher version
 *   overwrites; a lower version, or an equal one with other values, is rejected with
 *   `ExistingVersion` and the wording Timestream uses.
 *
 * Reason strings for versions and the memory store follow what Timestream is seen to answer; the
 * others are the fake's own wording. Faults can be injected per call (throttling, 5xx, socket reset).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { createTimestreamWriteClient } from '#adapters/timestream/client.js';

const TARGET_PREFIX = 'Timestream_20181101.';
const ERROR_NAMESPACE = 'com.amazonaws.timestream.v20181101#';
const MAX_RECORDS = 100;
const MAX_DIMENSION_NAME_BYTES = 60;
const MAX_DIMENSIONS = 128;
const MAX_PAIR_BYTES = 2048;
const MAX_RECORD_BYTES = 2048;
const MAX_MEASURE_NAME_BYTES = 256;
const MAX_VALUE_LENGTH = 2048;
const FUTURE_MS = 15 * 60_000;
const VALUE_TYPES = new Set(['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP', 'MULTI']);
const TIME_UNITS: Record<string, bigint> = {
  NANOSECONDS: 1n,
  MICROSECONDS: 1_000n,
  MILLISECONDS: 1_000_000n,
  SECONDS: 1_000_000_000n,
};

export interface StoredMeasure {
  readonly type: string;
  readonly value: string;
}

/** A record as the fake stores it (the latest version of its key). */
export interface StoredRecord {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly measureName: string;
  readonly measureValueType: string;
  /** Time as sent, with its unit. */
  readonly time: string;
  readonly timeUnit: string;
  readonly version: number;
  /** Multi-measure values by name (MULTI), or `{ [measureName]: … }` for a single measure. */
  readonly measures: Readonly<Record<string, StoredMeasure>>;
}

export interface CallLog {
  readonly target: string;
  readonly database?: string;
  readonly table?: string;
  readonly records: number;
  readonly status: number;
  readonly rejected: number;
}

export type Fault =
  | { readonly kind: 'throttle' }
  | { readonly kind: 'internal' }
  | { readonly kind: 'status'; readonly status: number }
  /** Any error: HTTP `status`, `__type` `type`. */
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string }
  | { readonly kind: 'reset' };

export interface TableOptions {
  /** Records older than `now − this` are outside the memory store and rejected (default: no bound). */
  readonly memoryStoreRetentionMs?: number;
  /**
   * EnableMagneticStoreWrites: a record older than the memory store goes to the magnetic store
   * instead of being rejected (counted as `MagneticStore` in the answer; versions apply the same).
   */
  readonly magneticStoreWrites?: boolean;
}

interface Table {
  readonly options: TableOptions;
  readonly records: Map<string, StoredRecord>;
  readonly dimensionNames: Set<string>;
  readonly measureTypes: Map<string, string>;
}

interface WireDimension {
  Name?: unknown;
  Value?: unknown;
  DimensionValueType?: unknown;
}
interface WireMeasure {
  Name?: unknown;
  Value?: unknown;
  Type?: unknown;
}
interface WireRecord {
  Dimensions?: WireDimension[];
  MeasureName?: unknown;
  MeasureValue?: unknown;
  MeasureValueType?: unknown;
  MeasureValues?: WireMeasure[];
  Time?: unknown;
  TimeUnit?: unknown;
  Version?: unknown;
}

class HttpError {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly message: string,
  ) {}
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function validation(message: string): HttpError {
  return new HttpError(400, 'ValidationException', `1 validation error detected: ${message}`);
}

function nameProblem(name: string): string | undefined {
  if (name.includes(':')) return 'must not contain ":"';
  const lower = name.toLowerCase();
  if (lower === 'measure_name' || lower === 'measure_value' || lower === 'time') return 'is reserved';
  if (lower.startsWith('ts_') || lower.startsWith('measure_value')) return 'starts with a reserved prefix';
  return undefined;
}

export class FakeTimestream {
  readonly calls: CallLog[] = [];
  /** Milliseconds each WriteRecords answer waits (lets tests see how many calls are in flight). */
  responseDelayMs = 0;
  /** The most WriteRecords calls seen in flight at once. */
  maxInFlight = 0;
  private inFlight = 0;
  private readonly databases = new Map<string, Map<string, Table>>();
  private readonly faults: Fault[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly now: () => number,
  ) {}

  static async start(options: { now?: () => number } = {}): Promise<FakeTimestream> {
    let fake: FakeTimestream | undefined;
    const server = createServer((req, res) => {
      fake?.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeTimestream(server, `http://127.0.0.1:${port}`, options.now ?? Date.now);
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  createDatabase(database: string): void {
    if (!this.databases.has(database)) this.databases.set(database, new Map());
  }

  /** Creates the table (and its database when missing). */
  createTable(database: string, table: string, options: TableOptions = {}): void {
    this.createDatabase(database);
    this.databases.get(database)?.set(table, {
      options,
      records: new Map(),
      dimensionNames: new Set(),
      measureTypes: new Map(),
    });
  }

  /** What the table holds, in the order keys were first written. */
  stored(database: string, table: string): StoredRecord[] {
    return [...(this.databases.get(database)?.get(table)?.records.values() ?? [])];
  }

  /** The next `count` WriteRecords calls fail with `fault` (queued after faults already planned). */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  throttleNext(count: number): void {
    this.failNext(count, { kind: 'throttle' });
  }

  /** Consulted for every WriteRecords call once the queue of `failNext` faults is empty. */
  faultPlan: ((call: { readonly table?: string; readonly records: number }) => Fault | undefined) | undefined;

  /** Drops queued faults and the fault plan. */
  clearFaults(): void {
    this.faults.length = 0;
    this.faultPlan = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      this.send(res, 400, { __type: `${ERROR_NAMESPACE}SerializationException`, message: 'Malformed JSON' });
      return;
    }

    if (operation === 'DescribeEndpoints') {
      this.send(res, 200, { Endpoints: [{ Address: new URL(this.url).host, CachePeriodInMinutes: 1440 }] });
      return;
    }
    if (operation !== 'WriteRecords') {
      this.send(res, 400, {
        __type: `${ERROR_NAMESPACE}UnknownOperationException`,
        message: `Unknown ${target}`,
      });
      return;
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.responseDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.responseDelayMs));
      this.writeRecordsCall(req, res, operation, body);
    } finally {
      this.inFlight--;
    }
  }

  private writeRecordsCall(
    req: IncomingMessage,
    res: ServerResponse,
    operation: string,
    body: Record<string, unknown>,
  ): void {
    const database = typeof body.DatabaseName === 'string' ? body.DatabaseName : undefined;
    const table = typeof body.TableName === 'string' ? body.TableName : undefined;
    const records = Array.isArray(body.Records) ? (body.Records as WireRecord[]) : [];
    const log = (status: number, rejected = 0) =>
      this.calls.push({
        target: operation,
        ...(database === undefined ? {} : { database }),
        ...(table === undefined ? {} : { table }),
        records: records.length,
        status,
        rejected,
      });

    const fault =
      this.faults.shift() ??
      this.faultPlan?.({ ...(table === undefined ? {} : { table }), records: records.length });
    if (fault !== undefined) {
      if (fault.kind === 'reset') {
        log(0);
        req.socket.destroy();
        return;
      }
      const [status, type, message] =
        fault.kind === 'throttle'
          ? [400, 'ThrottlingException', 'Rate exceeded']
          : fault.kind === 'internal'
            ? [500, 'InternalServerException', 'Internal server error']
            : fault.kind === 'error'
              ? [fault.status, fault.type, fault.message]
              : [fault.status, 'ServiceUnavailable', 'Service unavailable'];
      log(status);
      this.send(res, status, { __type: `${ERROR_NAMESPACE}${type}`, message });
      return;
    }

    try {
      const rejected = this.writeRecords(
        database,
        table,
        body.CommonAttributes as WireRecord | undefined,
        records,
      );
      if (rejected.length > 0) {
        log(419, rejected.length);
        this.send(res, 419, {
          __type: `${ERROR_NAMESPACE}RejectedRecordsException`,
          Message: 'One or more records have been rejected. See RejectedRecords for details.',
          RejectedRecords: rejected,
        });
        return;
      }
      log(200);
      const total = records.length;
      const magnetic = this.magneticCount(
        database,
        table,
        body.CommonAttributes as WireRecord | undefined,
        records,
      );
      this.send(res, 200, {
        RecordsIngested: { Total: total, MemoryStore: total - magnetic, MagneticStore: magnetic },
      });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      log(error.status);
      this.send(res, error.status, { __type: `${ERROR_NAMESPACE}${error.type}`, message: error.message });
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `fake-${this.calls.length}`,
    });
    res.end(text);
  }

  /** Validates the call, stores what it can; returns the rejected records. */
  /** How many of an accepted call's records went to the magnetic store (older than the memory store). */
  private magneticCount(
    database: string | undefined,
    tableName: string | undefined,
    common: WireRecord | undefined,
    records: readonly WireRecord[],
  ): number {
    const table = this.databases.get(database ?? '')?.get(tableName ?? '');
    const retention = table?.options.memoryStoreRetentionMs;
    if (table === undefined || retention === undefined) return 0;
    const earliest = this.now() - retention;
    let n = 0;
    for (const record of records) {
      const merged = { ...common, ...record };
      const unit = TIME_UNITS[String(merged.TimeUnit ?? 'MILLISECONDS')] ?? 1_000_000n;
      if (Number((BigInt(String(merged.Time)) * unit) / 1_000_000n) < earliest) n++;
    }
    return n;
  }

  private writeRecords(
    database: string | undefined,
    tableName: string | undefined,
    common: WireRecord | undefined,
    records: readonly WireRecord[],
  ): { RecordIndex: number; Reason: string; ExistingVersion?: number }[] {
    if (database === undefined)
      throw validation("Value null at 'databaseName' failed to satisfy constraint: Member must not be null");
    if (tableName === undefined)
      throw validation("Value null at 'tableName' failed to satisfy constraint: Member must not be null");
    if (records.length < 1 || records.length > MAX_RECORDS) {
      throw validation(
        `Value '[${records.length} records]' at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORDS} and greater than or equal to 1`,
      );
    }
    const merged = records.map((record, i) => this.validateShape(common, record, i));
    const db = this.databases.get(database);
    if (db === undefined)
      throw new HttpError(404, 'ResourceNotFoundException', `The database ${database} does not exist.`);
    const table = db.get(tableName);
    if (table === undefined)
      throw new HttpError(404, 'ResourceNotFoundException', `The table ${tableName} does not exist.`);

    const rejected: { RecordIndex: number; Reason: string; ExistingVersion?: number }[] = [];
    merged.forEach((record, index) => {
      const outcome = this.store(table, record);
      if (outcome !== undefined) rejected.push({ RecordIndex: index, ...outcome });
    });
    return rejected;
  }

  /** Request-level constraints (ValidationException); returns the record merged with CommonAttributes. */
  private validateShape(common: WireRecord | undefined, record: WireRecord, i: number): WireRecord {
    const at = `records.${i + 1}.member`;
    const commonDims = common?.Dimensions ?? [];
    const ownDims = record.Dimensions ?? [];
    for (const d of ownDims) {
      if (commonDims.some((c) => c.Name === d.Name)) {
        throw new HttpError(
          400,
          'ValidationException',
          `Dimension ${String(d.Name)} appears in CommonAttributes and in record ${i}.`,
        );
      }
    }
    const merged: WireRecord = {
      ...common,
      ...record,
      Dimensions: [...commonDims, ...ownDims],
      MeasureValues: [...(common?.MeasureValues ?? []), ...(record.MeasureValues ?? [])],
    };
    const dims = merged.Dimensions ?? [];
    if (dims.length > MAX_DIMENSIONS) {
      throw validation(
        `Value at '${at}.dimensions' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DIMENSIONS}`,
      );
    }
    dims.forEach((d, j) => {
      if (typeof d.Name !== 'string' || d.Name.length < 1 || bytes(d.Name) > MAX_DIMENSION_NAME_BYTES) {
        throw validation(
          `Value '${String(d.Name)}' at '${at}.dimensions.${j + 1}.member.name' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DIMENSION_NAME_BYTES}`,
        );
      }
      if (typeof d.Value !== 'string') {
        throw validation(
          `Value null at '${at}.dimensions.${j + 1}.member.value' failed to satisfy constraint: Member must not be null`,
        );
      }
      if (d.DimensionValueType !== undefined && d.DimensionValueType !== 'VARCHAR') {
        throw validation(
          `Value '${String(d.DimensionValueType)}' at '${at}.dimensions.${j + 1}.member.dimensionValueType' failed to satisfy constraint: Member must satisfy enum value set: [VARCHAR]`,
        );
      }
    });
    if (typeof merged.MeasureName === 'string' && bytes(merged.MeasureName) > MAX_MEASURE_NAME_BYTES) {
      throw validation(
        `Value at '${at}.measureName' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
    }
    if (merged.MeasureValueType !== undefined && !VALUE_TYPES.has(String(merged.MeasureValueType))) {
      throw validation(
        `Value '${String(merged.MeasureValueType)}' at '${at}.measureValueType' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    }
    if (
      typeof merged.MeasureValue === 'string' &&
      (merged.MeasureValue.length < 1 || merged.MeasureValue.length > MAX_VALUE_LENGTH)
    ) {
      throw validation(
        `Value at '${at}.measureValue' failed to satisfy constraint: Member must have length between 1 and ${MAX_VALUE_LENGTH}`,
      );
    }
    (merged.MeasureValues ?? []).forEach((m, j) => {
      const where = `${at}.measureValues.${j + 1}.member`;
      if (typeof m.Name !== 'string' || m.Name.length < 1) {
        throw validation(
          `Value at '${where}.name' failed to satisfy constraint: Member must have length greater than or equal to 1`,
        );
      }
      if (typeof m.Value !== 'string' || m.Value.length < 1 || m.Value.length > MAX_VALUE_LENGTH) {
        throw validation(
          `Value at '${where}.value' failed to satisfy constraint: Member must have length between 1 and ${MAX_VALUE_LENGTH}`,
        );
      }
      if (!VALUE_TYPES.has(String(m.Type)) || m.Type === 'MULTI') {
        throw validation(
          `Value '${String(m.Type)}' at '${where}.type' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
    });
    if (
      merged.Version !== undefined &&
      !(Number.isInteger(merged.Version) && (merged.Version as number) >= 1)
    ) {
      throw validation(
        `Value '${String(merged.Version)}' at '${at}.version' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    }
    if (merged.TimeUnit !== undefined && TIME_UNITS[String(merged.TimeUnit)] === undefined) {
      throw validation(
        `Value '${String(merged.TimeUnit)}' at '${at}.timeUnit' failed to satisfy constraint: Member must satisfy enum value set`,
      );
    }
    if (typeof merged.Time !== 'string' || !/^\d+$/.test(merged.Time)) {
      throw new HttpError(400, 'ValidationException', 'Invalid time for record.');
    }
    return merged;
  }

  /** Record-level rules and versions: undefined when stored, else the rejection. */
  private store(table: Table, record: WireRecord): { Reason: string; ExistingVersion?: number } | undefined {
    const reason = this.recordProblem(table, record);
    if (reason !== undefined) return { Reason: reason };

    const dimensions: Record<string, string> = {};
    for (const d of record.Dimensions ?? []) dimensions[d.Name as string] = d.Value as string;
    const measureName = record.MeasureName as string;
    const type = String(record.MeasureValueType ?? 'DOUBLE');
    const measures: Record<string, StoredMeasure> = {};
    if (type === 'MULTI') {
      for (const m of record.MeasureValues ?? [])
        measures[m.Name as string] = { type: String(m.Type), value: m.Value as string };
    } else {
      measures[measureName] = { type, value: record.MeasureValue as string };
    }
    const timeUnit = String(record.TimeUnit ?? 'MILLISECONDS');
    const timeNs = BigInt(record.Time as string) * (TIME_UNITS[timeUnit] ?? 1_000_000n);
    const version = (record.Version as number | undefined) ?? 1;
    const sortedDims = Object.keys(dimensions)
      .sort()
      .map((k) => [k, dimensions[k]]);
    const key = JSON.stringify([sortedDims, measureName, timeNs.toString()]);

    const existing = table.records.get(key);
    if (existing !== undefined) {
      const same = sameMeasures(existing.measures, measures);
      if (version < existing.version) {
        return {
          Reason: `The record version ${version} is lower than the existing version ${existing.version}. A higher version is required to update the measure value.`,
          ExistingVersion: existing.version,
        };
      }
      if (version === existing.version && !same) {
        return {
          Reason:
            'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.',
          ExistingVersion: existing.version,
        };
      }
    }
    for (const name of Object.keys(dimensions)) table.dimensionNames.add(name);
    for (const [name, m] of Object.entries(measures))
      if (!table.measureTypes.has(name)) table.measureTypes.set(name, m.type);
    table.records.set(key, {
      dimensions,
      measureName,
      measureValueType: type,
      time: record.Time as string,
      timeUnit,
      version,
      measures,
    });
    return undefined;
  }

  private recordProblem(table: Table, record: WireRecord): string | undefined {
    const dims = record.Dimensions ?? [];
    const seen = new Set<string>();
    let pairBytes = 0;
    for (const d of dims) {
      const name = d.Name as string;
      const value = d.Value as string;
      const problem = nameProblem(name);
      if (problem !== undefined) return `Invalid dimension name '${name}': it ${problem}.`;
      if (seen.has(name)) return `Dimension '${name}' appears more than once in the record.`;
      seen.add(name);
      if (value === '') return `Dimension '${name}' has an empty value; dimension values cannot be empty.`;
      if (table.measureTypes.has(name))
        return `'${name}' is a measure of this table and cannot be a dimension.`;
      pairBytes += bytes(name) + bytes(value);
    }
    if (pairBytes > MAX_PAIR_BYTES) {
      return `The dimension names and values of the record are ${pairBytes} bytes, over the ${MAX_PAIR_BYTES} bytes allowed per series.`;
    }
    const newNames = [...seen].filter((n) => !table.dimensionNames.has(n));
    if (table.dimensionNames.size + newNames.length > MAX_DIMENSIONS) {
      return `The table would have ${table.dimensionNames.size + newNames.length} dimensions, over the ${MAX_DIMENSIONS} allowed per table.`;
    }

    if (typeof record.MeasureName !== 'string' || record.MeasureName === '')
      return 'Measure name is missing.';
    const measureNameProblem = nameProblem(record.MeasureName);
    if (measureNameProblem !== undefined)
      return `Invalid measure name '${record.MeasureName}': it ${measureNameProblem}.`;
    const type = String(record.MeasureValueType ?? 'DOUBLE');
    let size = 8 + bytes(record.MeasureName) + pairBytes;
    const measures: { name: string; type: string; value: string }[] = [];
    if (type === 'MULTI') {
      if (record.MeasureValue !== undefined)
        return 'MeasureValue cannot be set when MeasureValueType is MULTI.';
      if ((record.MeasureValues ?? []).length === 0)
        return 'MeasureValues must be set when MeasureValueType is MULTI.';
      const names = new Set<string>();
      for (const m of record.MeasureValues ?? []) {
        const name = m.Name as string;
        const problem = nameProblem(name);
        if (problem !== undefined) return `Invalid measure name '${name}': it ${problem}.`;
        if (names.has(name)) return `Measure '${name}' appears more than once in the record.`;
        if (seen.has(name) || table.dimensionNames.has(name))
          return `'${name}' is a dimension of this table and cannot be a measure.`;
        names.add(name);
        measures.push({ name, type: String(m.Type), value: m.Value as string });
      }
    } else {
      if (record.MeasureValues !== undefined && record.MeasureValues.length > 0) {
        return 'MeasureValues can only be set when MeasureValueType is MULTI.';
      }
      if (typeof record.MeasureValue !== 'string') return 'MeasureValue is missing.';
      measures.push({ name: record.MeasureName, type, value: record.MeasureValue });
    }
    for (const m of measures) {
      const known = table.measureTypes.get(m.name);
      if (known !== undefined && known !== m.type) {
        return `Measure '${m.name}' has type ${m.type}, but the table has it as ${known}.`;
      }
      const invalid = valueProblem(m.type, m.value);
      if (invalid !== undefined) return `Invalid value for measure '${m.name}': ${invalid}.`;
      size +=
        (type === 'MULTI' ? bytes(m.name) : 0) +
        (m.type === 'VARCHAR' ? bytes(m.value) : m.type === 'BOOLEAN' ? 1 : 8);
    }
    if (size > MAX_RECORD_BYTES)
      return `The record is ${size} bytes, over the maximum record size of ${MAX_RECORD_BYTES} bytes.`;

    const timeUnit = String(record.TimeUnit ?? 'MILLISECONDS');
    const timeMs = Number(
      (BigInt(record.Time as string) * (TIME_UNITS[timeUnit] ?? 1_000_000n)) / 1_000_000n,
    );
    const now = this.now();
    const earliest =
      table.options.memoryStoreRetentionMs === undefined
        ? undefined
        : now - table.options.memoryStoreRetentionMs;
    const magnetic = table.options.magneticStoreWrites === true;
    if (timeMs > now + FUTURE_MS || (earliest !== undefined && timeMs < earliest && !magnetic)) {
      const from = new Date(earliest ?? 0).toISOString();
      const to = new Date(now + FUTURE_MS).toISOString();
      return `The record timestamp is outside the time range [${from}, ${to}) of the memory store.`;
    }
    return undefined;
  }
}

function valueProblem(type: string, value: string): string | undefined {
  switch (type) {
    case 'DOUBLE':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : `'${value}' is not a DOUBLE`;
    case 'BIGINT':
    case 'TIMESTAMP':
      return /^-?\d+$/.test(value) && BigInt(value) <= 2n ** 63n - 1n && BigInt(value) >= -(2n ** 63n)
        ? undefined
        : `'${value}' is not a ${type}`;
    case 'BOOLEAN':
      return value === 'true' || value === 'false' ? undefined : `'${value}' is not a BOOLEAN`;
    default:
      return undefined;
  }
}

function sameMeasures(
  a: Readonly<Record<string, StoredMeasure>>,
  b: Readonly<Record<string, StoredMeasure>>,
): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && a[k]?.type === b[k]?.type && a[k]?.value === b[k]?.value);
}

/** Starts a fake on 127.0.0.1 (a free port). */
export function startFakeTimestream(options: { now?: () => number } = {}): Promise<FakeTimestream> {
  return FakeTimestream.start(options);
}

/**
 * The real SDK client pointed at the fake: region, dummy credentials, `maxAttempts` 1 by default so
 * the adapter's own retries are what a test sees.
 */
export function fakeTimestreamClient(
  fake: FakeTimestream,
  options: { maxAttempts?: number } = {},
): TimestreamWriteClient {
  return createTimestreamWriteClient({
    endpoint: fake.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: options.maxAttempts ?? 1,
  });
}
