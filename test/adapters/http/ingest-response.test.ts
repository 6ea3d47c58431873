import { describe, expect, it } from 'vitest';
import {
  MAX_PARTIAL_SUCCESS_MESSAGE_BYTES,
  partialSuccessMessage,
  problemResponse,
  successResponse,
} from '#adapters/http/ingest-response.js';
import { RPC_CODE_BY_STATUS } from '#adapters/http/problem.js';
import { truncateUtf8 } from '#adapters/http/text.js';
import { emptyRejections, type Rejections } from '#core/point.js';
import { decodeRpcStatus, responseBytes } from '../../support/apigw.js';

const counts = (rejections: Rejections, accepted = 0) => ({
  accepted,
  rejected: rejections.total,
  rejections,
});

describe('Function: partialSuccessMessage', () => {
  it('sums up by reason (largest first, then by name) and lists the first messages', () => {
    const message = partialSuccessMessage(
      counts({
        total: 4,
        byReason: { too_far_in_future: 1, non_finite_value: 2, attribute_limit: 1 },
        messages: ['metric "x" point 0: value is NaN', 'metric "x" point 1: value is Infinity'],
      }),
    );
    expect(message).toBe(
      '4 points rejected: 2 non_finite_value, 1 attribute_limit, 1 too_far_in_future; ' +
        'metric "x" point 0: value is NaN; metric "x" point 1: value is Infinity; …',
    );
  });

  it('says "point" for one, and has no ellipsis when every message is there', () => {
    expect(
      partialSuccessMessage(counts({ total: 1, byReason: { older_than_horizon: 1 }, messages: ['m'] })),
    ).toBe('1 point rejected: 1 older_than_horizon; m');
  });

  it('stays within 1 KB of UTF-8 whatever the messages', () => {
    const messages = Array.from(
      { length: 10 },
      (_, i) => `metric "${'ü'.repeat(300)}" point ${i}: value is NaN`,
    );
    const message = partialSuccessMessage(
      counts({ total: 10, byReason: { non_finite_value: 10 }, messages }),
    );
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_PARTIAL_SUCCESS_MESSAGE_BYTES);
    expect(message.startsWith('10 points rejected: 10 non_finite_value; metric "üü')).toBe(true);
    expect(message.endsWith('…')).toBe(true);
  });
});

describe('Function: successResponse', () => {
  it('writes nothing for full success in protobuf, {} in JSON', () => {
    const r = successResponse('otlp-protobuf', counts(emptyRejections(), 5));
    expect(r).toMatchObject({ statusCode: 200, isBase64Encoded: true });
    expect(responseBytes(r)).toEqual(new Uint8Array(0));
    expect(successResponse('otlp-json', counts(emptyRejections(), 5)).body).toBe('{}');
  });

  it('warns with a partial success of 0 rejected points (OTLP) and a warnings list (/v1/points)', () => {
    const warned = {
      ...counts(emptyRejections(), 3),
      warnings: ['3 cumulative points not pooled into view "v"'],
    };
    expect(JSON.parse(successResponse('otlp-json', warned).body ?? '')).toEqual({
      partialSuccess: {
        rejectedDataPoints: '0',
        errorMessage: '3 cumulative points not pooled into view "v"',
      },
    });
    expect(responseBytes(successResponse('otlp-protobuf', warned)).length).toBeGreaterThan(0);
    expect(JSON.parse(successResponse('points', warned).body ?? '')).toMatchObject({
      rejected: 0,
      warnings: ['3 cumulative points not pooled into view "v"'],
    });
    const both = { ...counts({ total: 1, byReason: { view_name: 1 }, messages: ['m'] }), warnings: ['w'] };
    expect(partialSuccessMessage(both)).toBe('1 point rejected: 1 view_name; m; w');
  });

  it('bounds each /v1/points error', () => {
    const r = successResponse(
      'points',
      counts({ total: 1, byReason: { invalid_field: 1 }, messages: ['x'.repeat(5000)] }),
    );
    const body = JSON.parse(r.body ?? '') as { errors: string[] };
    expect(body.errors[0]?.length).toBeLessThanOrEqual(512);
  });
});

describe('Function: problemResponse', () => {
  it.each([400, 403, 404, 405, 413, 415, 500, 503] as const)('maps %i to its google.rpc code', (status) => {
    const r = problemResponse('otlp-protobuf', { status, message: 'm' });
    expect(r.statusCode).toBe(status);
    expect(decodeRpcStatus(responseBytes(r))).toEqual({ code: RPC_CODE_BY_STATUS[status], message: 'm' });
  });

  it('sends Retry-After on 503 (whole seconds, at least 1)', () => {
    const retry = (s: number | undefined) =>
      problemResponse('otlp-json', {
        status: 503,
        message: 'm',
        ...(s === undefined ? {} : { retryAfterSeconds: s }),
      }).headers?.['retry-after'];
    expect([retry(undefined), retry(0), retry(0.2), retry(2), retry(2.1), retry(Number.NaN)]).toEqual([
      '1',
      '1',
      '1',
      '2',
      '3',
      '1',
    ]);
    expect(
      problemResponse('otlp-json', { status: 400, message: 'm' }).headers?.['retry-after'],
    ).toBeUndefined();
  });
});

describe('Function: truncateUtf8', () => {
  it('keeps short text, cuts long text on a character boundary with an ellipsis', () => {
    expect(truncateUtf8('short', 1024)).toBe('short');
    expect(truncateUtf8('héllo wörld', 8)).toBe('héll…');
    expect(truncateUtf8('😀😀😀', 9)).toBe('😀…');
    for (let max = 0; max < 40; max++) {
      const cut = truncateUtf8('a€😀b'.repeat(5), max);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
      expect(cut).not.toContain('\uFFFD');
    }
  });
});
