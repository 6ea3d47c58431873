/**
 * The two protobuf messages the OTLP/HTTP edge writes, by hand: a full protobuf library for two
 * messages of at most two fields would cost more cold-start time than it saves.
 *
 * ```proto
 * // opentelemetry/proto/collector/metrics/v1/metrics_service.proto
 * message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
 * message ExportMetricsPartialSuccess  { int64 rejected_data_points = 1; string error_message = 2; }
 * // google/rpc/status.proto (details, field 3, is never sent)
 * message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
 * ```
 *
 * Proto3 rules: a field equal to its default (0, "") is not written, so an empty response is zero bytes.
 */
import { ByteWriter } from '../../core/codec/bytes.js';

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

const tag = (field: number, wireType: number): number => (field << 3) | wireType;

export interface PartialSuccess {
  /** Non-negative; 0 means "nothing rejected" and is not written. */
  readonly rejectedDataPoints: number;
  readonly errorMessage: string;
}

/**
 * Encodes an `ExportMetricsServiceResponse`. Without `partialSuccess` (everything accepted) the
 * message is empty: zero bytes, which every OTLP client reads as full success.
 *
 * @example encodeExportMetricsServiceResponse({ rejectedDataPoints: 3, errorMessage: 'x' })
 * // → 0a 05 08 03 12 01 78
 */
export function encodeExportMetricsServiceResponse(partialSuccess?: PartialSuccess): Uint8Array {
  if (partialSuccess === undefined) return new Uint8Array(0);
  const inner = new ByteWriter(64 + partialSuccess.errorMessage.length * 3);
  if (partialSuccess.rejectedDataPoints !== 0) {
    inner.u8(tag(1, WIRE_VARINT));
    inner.uvarint(partialSuccess.rejectedDataPoints);
  }
  if (partialSuccess.errorMessage !== '') {
    inner.u8(tag(2, WIRE_LEN));
    inner.string(partialSuccess.errorMessage);
  }
  const out = new ByteWriter(inner.length + 8);
  out.u8(tag(1, WIRE_LEN));
  out.bytes(inner.finish());
  return out.finish();
}

/**
 * Encodes a `google.rpc.Status` with a non-negative code (all `google.rpc.Code` values are).
 *
 * @example encodeRpcStatus(3, 'bad') // → 08 03 12 03 62 61 64
 */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const out = new ByteWriter(16 + message.length * 3);
  if (code !== 0) {
    out.u8(tag(1, WIRE_VARINT));
    out.uvarint(code);
  }
  if (message !== '') {
    out.u8(tag(2, WIRE_LEN));
    out.string(message);
  }
  return out.finish();
}
