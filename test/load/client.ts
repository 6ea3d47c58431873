/**
 * One load client: sends its requests back to back like an OTLP/HTTP exporter under pressure, and
 * keeps the ledger the check needs — which requests were accepted (200, minus the points a partial
 * success names as rejected), with what values — and the latency of every attempt.
 *
 * Like an exporter it retries 429/503 (honouring `Retry-After`, capped) and connection errors with
 * the same body; a retry of the same body never counts twice on the server (partials are keyed by
 * the body's content). A request still unanswered after the retry budget is "given up": the server
 * may or may not have kept some of it, so its points are counted as uncertain.
 */
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { assertLoopbackUrl } from './options.js';
import type { ClientWorkload, LoadRequest, Totals } from './workload.js';

export const MAX_ATTEMPTS = 8;
const MAX_RETRY_DELAY_MS = 2_000;

export interface ClientLedger {
  /** Requests answered (any final outcome). */
  requests: number;
  /** HTTP attempts, retries included. */
  attempts: number;
  retries: number;
  /** Requests answered 200. */
  accepted: number;
  acceptedPoints: number;
  /** Points a 200 named as rejected (partial success). */
  rejectedPoints: number;
  /** Requests answered with a status that is not retried (400, 413, 415, 500…): nothing kept. */
  failed: number;
  failedStatuses: Record<string, number>;
  /** Requests given up after the retry budget: outcome unknown. */
  gaveUp: number;
  uncertainPoints: number;
  /** Per metric: accepted count and exact sum (requests with no rejected point only). */
  readonly totals: Map<string, Totals>;
  /** Accepted point times (ms), for the closing phase. */
  minTimeMs: number;
  maxTimeMs: number;
  /** Latency of each attempt (ms). */
  readonly latenciesMs: number[];
  /** How many of `latenciesMs` belong to the client's first request (its series are new to the stack). */
  firstRequestAttempts: number;
  /** The first few problems, for the report. */
  readonly problems: string[];
}

export function emptyLedger(): ClientLedger {
  return {
    requests: 0,
    attempts: 0,
    retries: 0,
    accepted: 0,
    acceptedPoints: 0,
    rejectedPoints: 0,
    failed: 0,
    failedStatuses: {},
    gaveUp: 0,
    uncertainPoints: 0,
    totals: new Map(),
    minTimeMs: Number.POSITIVE_INFINITY,
    maxTimeMs: Number.NEGATIVE_INFINITY,
    latenciesMs: [],
    firstRequestAttempts: 0,
    problems: [],
  };
}

function note(ledger: ClientLedger, problem: string): void {
  if (ledger.problems.length < 5) ledger.problems.push(problem);
}

/** The `rejectedDataPoints` of a 200 body in the request's encoding (0 when absent). */
export function rejectedPointsOf(contentType: string, body: Uint8Array): number {
  const response = contentType.includes('json')
    ? JsonMetricsSerializer.deserializeResponse(body)
    : ProtobufMetricsSerializer.deserializeResponse(body);
  const n = Number(response.partialSuccess?.rejectedDataPoints ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function retryDelayMs(retryAfter: string | null, attempt: number): number {
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  const base = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 50 * 2 ** attempt;
  // Jitter, so the clients a throttle turned away do not come back in step.
  return Math.min(MAX_RETRY_DELAY_MS, base) * (0.5 + Math.random() / 2);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends `request` until it is answered for good or the retry budget is spent; updates `ledger`. */
export async function sendRequest(url: string, request: LoadRequest, ledger: ClientLedger): Promise<void> {
  ledger.requests++;
  const first = ledger.requests === 1;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) ledger.retries++;
    ledger.attempts++;
    if (first) ledger.firstRequestAttempts++;
    const started = performance.now();
    let status: number;
    let body: Uint8Array;
    let retryAfter: string | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': request.contentType,
          ...(request.contentEncoding === undefined ? {} : { 'content-encoding': request.contentEncoding }),
        },
        body: request.body,
      });
      body = new Uint8Array(await response.arrayBuffer());
      status = response.status;
      retryAfter = response.headers.get('retry-after');
    } catch (error) {
      ledger.latenciesMs.push(performance.now() - started);
      note(ledger, `connection error: ${(error as Error).message}`);
      await sleep(retryDelayMs(null, attempt));
      continue;
    }
    ledger.latenciesMs.push(performance.now() - started);
    if (status === 200) {
      const rejected = rejectedPointsOf(request.contentType, body);
      ledger.accepted++;
      ledger.acceptedPoints += request.points - rejected;
      ledger.rejectedPoints += rejected;
      ledger.minTimeMs = Math.min(ledger.minTimeMs, request.timeMs);
      ledger.maxTimeMs = Math.max(ledger.maxTimeMs, request.timeMs);
      if (rejected > 0) {
        note(ledger, `${rejected} of ${request.points} points rejected: ${new TextDecoder().decode(body)}`);
        return;
      }
      for (const [metric, t] of request.totals) {
        const total = ledger.totals.get(metric) ?? { count: 0, sum: 0 };
        total.count += t.count;
        total.sum += t.sum;
        ledger.totals.set(metric, total);
      }
      return;
    }
    if (status === 429 || status === 503) {
      await sleep(retryDelayMs(retryAfter, attempt));
      continue;
    }
    ledger.failed++;
    ledger.failedStatuses[status] = (ledger.failedStatuses[status] ?? 0) + 1;
    note(ledger, `HTTP ${status}: ${new TextDecoder().decode(body).slice(0, 200)}`);
    return;
  }
  ledger.gaveUp++;
  ledger.uncertainPoints += request.points;
  ledger.minTimeMs = Math.min(ledger.minTimeMs, request.timeMs);
  ledger.maxTimeMs = Math.max(ledger.maxTimeMs, request.timeMs);
  note(ledger, `gave up after ${MAX_ATTEMPTS} attempts`);
}

export interface RunClientOptions {
  readonly url: string;
  readonly workload: ClientWorkload;
  readonly ledger: ClientLedger;
  /** Time to stamp points with (the stack's clock). */
  readonly nowMs: () => number;
  /** False once the load is over (duration passed or the request budget spent); claims a request. */
  readonly claim: () => boolean;
}

/** Sends back to back while `claim()` allows. */
export async function runClient(options: RunClientOptions): Promise<void> {
  assertLoopbackUrl(options.url);
  while (options.claim()) {
    const request = await options.workload.next(options.nowMs());
    await sendRequest(options.url, request, options.ledger);
  }
}
