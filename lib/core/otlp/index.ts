/** OTLP and simple-points decoding: the public entry points of lib/core/otlp. */
export { decodeOtlpJson } from './decode-json.js';
export { decodeOtlpProtobuf } from './decode-protobuf.js';
export { CONTENT_CODINGS, type ContentCoding, inflateBounded } from './inflate.js';
export { PayloadTooLargeError } from './payload-too-large-error.js';
export { decodeSimplePoints } from './simple-points.js';
