/**
 * The hand-written response messages, checked against hand-computed bytes and read back with the
 * OpenTelemetry JS exporter's own response parser (what a real SDK does with our answer).
 */
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeExportMetricsServiceResponse, encodeRpcStatus } from '#adapters/http/protobuf.js';
import { decodeRpcStatus as decodeStatus } from '../../support/apigw.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('Function: encodeExportMetricsServiceResponse', () => {
  it('is zero bytes when nothing was rejected (the empty message)', () => {
    expect(encodeExportMetricsServiceResponse()).toEqual(new Uint8Array(0));
    expect(ProtobufMetricsSerializer.deserializeResponse(encodeExportMetricsServiceResponse())).toEqual({});
  });

  it('writes partial_success {1: rejected varint, 2: message} as hand-computed', () => {
    expect(hex(encodeExportMetricsServiceResponse({ rejectedDataPoints: 3, errorMessage: 'x' }))).toBe(
      '0a05' + '0803' + '120178',
    );
    // 300 = 0b10_0101100 → ac 02
    expect(hex(encodeExportMetricsServiceResponse({ rejectedDataPoints: 300, errorMessage: '' }))).toBe(
      '0a03' + '08ac02',
    );
  });

  it('is read back by the OpenTelemetry JS exporter, for any count and message', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 53 - 1 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (n, msg) => {
          // Lone surrogates do not survive UTF-8; the encoder writes U+FFFD for them, as TextEncoder does.
          const expected = new TextDecoder().decode(new TextEncoder().encode(msg));
          const bytes = encodeExportMetricsServiceResponse({ rejectedDataPoints: n, errorMessage: msg });
          const parsed = ProtobufMetricsSerializer.deserializeResponse(bytes);
          expect(parsed.partialSuccess?.rejectedDataPoints).toBe(n);
          expect(parsed.partialSuccess?.errorMessage ?? '').toBe(expected);
        },
      ),
    );
  });

  it('writes long messages with a multi-byte length prefix', () => {
    const msg = 'é'.repeat(100); // 200 bytes
    const bytes = encodeExportMetricsServiceResponse({ rejectedDataPoints: 1, errorMessage: msg });
    expect(hex(bytes.subarray(0, 7))).toBe('0acd01' + '0801' + '12c8'); // 205 = cd 01, 200 = c8 01
    expect(ProtobufMetricsSerializer.deserializeResponse(bytes).partialSuccess?.errorMessage).toBe(msg);
  });
});

describe('Function: encodeRpcStatus', () => {
  it('writes {1: code, 2: message} as hand-computed', () => {
    expect(hex(encodeRpcStatus(3, 'bad'))).toBe('0803' + '1203626164');
    expect(hex(encodeRpcStatus(14, ''))).toBe('080e');
    expect(hex(encodeRpcStatus(0, 'ok'))).toBe('12026f6b');
  });

  it('round-trips through an independent reader', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.string({ maxLength: 2000 }), (code, message) => {
        const expected = new TextDecoder().decode(new TextEncoder().encode(message));
        expect(decodeStatus(encodeRpcStatus(code, message))).toEqual({ code, message: expected });
      }),
    );
  });
});

describe('Function: JsonMetricsSerializer (the exporter side of OTLP/JSON)', () => {
  it('parses a partialSuccess with an int64 string count', () => {
    const body = new TextEncoder().encode('{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"m"}}');
    expect(JsonMetricsSerializer.deserializeResponse(body)).toEqual({
      partialSuccess: { rejectedDataPoints: '3', errorMessage: 'm' },
    });
  });
});
