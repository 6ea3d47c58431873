/** The HTTP edge of ingest: API Gateway v2 events in, OTLP/HTTP and points responses out. No AWS. */
export {
  type FailedOutcome,
  handleIngestEvent,
  type IngestEdgeDeps,
  type IngestEdgeOutcome,
  type IngestedOutcome,
  type IngestFn,
  internalErrorMessage,
  problemFromError,
  type RefusedOutcome,
} from './ingest-edge.js';
export { type EdgeProblem, type ProblemStatus, RPC_CODE_BY_STATUS, RpcCode } from './problem.js';
export { encodeExportMetricsServiceResponse, encodeRpcStatus, type PartialSuccess } from './protobuf.js';
export { DEFAULT_TENANT, INGEST_ROUTES, type ParseResult, parseIngestEvent } from './request.js';
export { partialSuccessMessage, problemResponse, successResponse } from './response.js';
