/**
 * The middy-wrapped ingest handler: responses and one structured log line per request, read back from
 * stdout as CloudWatch would see them — and no EMF: ingest emits no CloudWatch metric (windrow's only
 * ones are the close worker's), its figures are fields of the log line.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IngestFn } from '#adapters/http/ingest-edge.js';
import { StoreUnavailableError } from '#app/errors.js';
import { createIngestHandler, type IngestHandlerOptions } from '#compose/ingest/create-handler.js';
import { parseConfig } from '#core/config/config.js';
import { type HttpEventOptions, httpEvent, lambdaContext } from '../../support/apigw.js';
import { decodingIngest, FIXTURE_NOW_MS, fixture, ingestResult } from '../../support/ingest-fakes.js';
import { captureOutput, emf, type LogRecord, logs } from '../../support/lambda-output.js';

const config = parseConfig({});
const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

/** A fresh handler (fresh Logger and Metrics: cold start each time) and one invocation. */
async function invoke(
  event: HttpEventOptions,
  ingest: IngestFn = decodingIngest(),
  options: Partial<IngestHandlerOptions> = {},
): Promise<{ response: APIGatewayProxyStructuredResultV2; records: LogRecord[] }> {
  const handler = createIngestHandler({ ingest, config, ...options });
  let response: APIGatewayProxyStructuredResultV2 = {};
  const records = await captureOutput(async () => {
    response = await handler(httpEvent(event), lambdaContext('lambda-req-1'));
  });
  return { response, records };
}

beforeEach(() => {
  // Outside Lambda, Powertools reports no cold start; on-demand Lambdas set this.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('Function: createIngestHandler', () => {
  it('answers an OTLP protobuf export and logs one INFO line with the request figures', async () => {
    const ingest: IngestFn = async () =>
      ingestResult({ accepted: 40, bytes: 2100, writeUnits: 3, partials: 3, newSeries: 12, latePoints: 2 });
    const { response, records } = await invoke(
      { headers: PB, body: fixture('metrics.pb'), tenant: 'acme' },
      ingest,
    );
    expect(response.statusCode).toBe(200);
    const lines = logs(records);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'ingested',
      service: 'ingest',
      function_request_id: 'lambda-req-1',
      cold_start: true,
      tenant: 'acme',
      format: 'otlp-protobuf',
      status: 200,
      bytes: fixture('metrics.pb').length,
      accepted: 40,
      rejected: 0,
      writtenBytes: 2100,
      writeUnits: 3,
      partials: 3,
      newSeries: 12,
      latePoints: 2,
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
  });

  it('emits no EMF metric (not even ColdStart): the figures are fields of the one log line', async () => {
    const ingest: IngestFn = async () =>
      ingestResult({ accepted: 40, writeUnits: 3, partials: 3, newSeries: 12, latePoints: 2 });
    const { records } = await invoke({ headers: PB, body: fixture('metrics.pb'), tenant: 'acme' }, ingest);
    expect(emf(records)).toEqual([]);
    // What were RequestBytes, PointsAccepted, PointsRejected, WriteUnits, PartialsWritten, LatePoints,
    // NewSeries and ColdStart.
    expect(records).toEqual([
      expect.objectContaining({
        message: 'ingested',
        bytes: fixture('metrics.pb').length,
        accepted: 40,
        rejected: 0,
        writeUnits: 3,
        partials: 3,
        latePoints: 2,
        newSeries: 12,
        cold_start: true,
        tenant: 'acme',
        format: 'otlp-protobuf',
      }),
    ]);
  });

  it('logs rejected points per reason in the log line, not as a metric', async () => {
    const rejections = { total: 3, byReason: { non_finite_value: 2, too_far_in_future: 1 }, messages: [] };
    const ingest: IngestFn = async () => ingestResult({ accepted: 1, rejected: 3, rejections });
    const { records } = await invoke({ headers: PB, body: fixture('metrics.pb') }, ingest);
    expect(emf(records)).toEqual([]);
    expect(logs(records)).toEqual([
      expect.objectContaining({ rejected: 3, rejectedByReason: rejections.byReason }),
    ]);
  });

  it('logs a bad request at WARN with the reason and its status (no metric)', async () => {
    const { response, records } = await invoke({ headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(response.statusCode).toBe(415);
    expect(logs(records)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'request refused',
        status: 415,
        reason: 'Content-Type "text/plain" on /v1/metrics; use application/x-protobuf or application/json',
        tenant: 'default',
      }),
    ]);
    expect(logs(records)[0]).toMatchObject({ bytes: 1 });
    expect(emf(records)).toEqual([]);
  });

  it('turns a decode failure inside the use case into 400 at WARN', async () => {
    const { response, records } = await invoke({ headers: PB, body: fixture('metrics.pb').subarray(0, 900) });
    expect(response.statusCode).toBe(400);
    expect(logs(records)[0]).toMatchObject({
      level: 'WARN',
      status: 400,
      reason: expect.stringMatching(/^protobuf: /),
    });
  });

  it('answers a throttled store with 503 + Retry-After, at WARN', async () => {
    const ingest: IngestFn = async () => {
      throw new StoreUnavailableError('throttled', 2);
    };
    const { response, records } = await invoke({ headers: JSON_CT, body: fixture('metrics.json') }, ingest);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(response.body ?? '')).toEqual({ code: 14, message: 'the store is busy; retry later' });
    expect(logs(records)[0]).toMatchObject({ level: 'WARN', status: 503 });
  });

  it('answers an unexpected error with a generic 500 naming the request; the error goes to the log only', async () => {
    const ingest: IngestFn = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'shard')");
    };
    const { response, records } = await invoke({ headers: PB, body: fixture('metrics.pb') }, ingest);
    expect(response.statusCode).toBe(500);
    expect(response.headers?.['content-type']).toBe('application/x-protobuf');
    const body = Buffer.from(response.body ?? '', 'base64').toString('utf8');
    expect(body).toContain('internal error (request lambda-req-1)');
    expect(body).not.toMatch(/shard|TypeError|\n\s+at /);
    const [line] = logs(records);
    expect(line).toMatchObject({ level: 'ERROR', message: 'ingest failed', status: 500 });
    expect(line?.error).toMatchObject({ name: 'TypeError', message: expect.stringContaining('shard') });
    expect(emf(records)).toEqual([]);
  });

  it('keeps the answer when telemetry fails (the points are already written)', async () => {
    const logger = new Logger({ serviceName: 'ingest' });
    vi.spyOn(logger, 'info').mockImplementation(() => {
      throw new RangeError('log buffer full');
    });
    const { response, records } = await invoke(
      { headers: PB, body: fixture('metrics.pb') },
      decodingIngest(),
      {
        logger,
      },
    );
    expect(response.statusCode).toBe(200);
    expect(logs(records).map((r) => r.message)).toContain('ingest telemetry failed');
  });

  it('answers a generic 500 when a middleware fails, instead of a Lambda error', async () => {
    const logger = new Logger({ serviceName: 'ingest' });
    vi.spyOn(logger, 'addContext').mockImplementation(() => {
      throw new Error('context broke');
    });
    const { response, records } = await invoke(
      { headers: PB, body: fixture('metrics.pb') },
      decodingIngest(),
      {
        logger,
      },
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({ error: 'internal error (request lambda-req-1)' });
    expect(logs(records).map((r) => r.message)).toContain('ingest handler failed');
  });

  it('serves many requests from one handler: one log line and one metrics blob each', async () => {
    const handler = createIngestHandler({ ingest: decodingIngest(), config });
    const records = await captureOutput(async () => {
      for (const file of ['metrics.pb', 'metrics-delta.pb']) {
        await handler(httpEvent({ headers: PB, body: fixture(file) }), lambdaContext(`req-${file}`));
      }
      const points = JSON.stringify({ points: [{ metric: 'm', timestamp: FIXTURE_NOW_MS, value: 1 }] });
      await handler(
        httpEvent({ path: '/v1/points', headers: JSON_CT, body: points }),
        lambdaContext('req-points'),
      );
    });
    expect(logs(records).map((r) => [r.function_request_id, r.format, r.cold_start])).toEqual([
      ['req-metrics.pb', 'otlp-protobuf', true],
      ['req-metrics-delta.pb', 'otlp-protobuf', false],
      ['req-points', 'points', false],
    ]);
    // Every line is structured JSON: nothing for CloudWatch Logs Insights to miss.
    expect(records.filter((r) => 'unstructured' in r)).toEqual([]);
    expect(logs(records).map((r) => r.accepted)).toEqual([expect.any(Number), expect.any(Number), 1]);
    // Only the log lines: no EMF blob, and no Powertools warning about having no metrics.
    expect(records).toHaveLength(3);
  });
});
