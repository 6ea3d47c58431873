/**
 * Fault injection for a whole DynamoDB client (every command, unlike `test/adapters/dynamodb/faults.ts`
 * which plans one command): a middleware at the `initialize` step, before the SDK's own retries, asks
 * `plan(command, input)` what to do with each call:
 *
 * - `throughput` / `throttling`: throw `ProvisionedThroughputExceededException` / `ThrottlingException`
 *   (HTTP 400, nothing applied);
 * - `internal` / `unavailable`: throw `InternalServerError` (500) / a 503 `ServiceUnavailable`
 *   (nothing applied);
 * - `lost-response`: let the call through (it is applied), then throw a 500, as when DynamoDB
 *   did the work but the answer never arrived;
 * - `unprocessed`: BatchWriteItem and BatchGetItem only: send a part of the requests (each held back
 *   with probability `fraction`, at least one held) and answer the rest as `UnprocessedItems` /
 *   `UnprocessedKeys`; the held-back items really are not written (or read).
 *
 * `counts` says what was injected, per `<command> <kind>`, so a test can show its faults happened.
 */
import {
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  type KeysAndAttributes,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';

export type ChaosKind =
  | 'throughput'
  | 'throttling'
  | 'internal'
  | 'unavailable'
  | 'lost-response'
  | 'unprocessed';

export type ChaosPlan = (command: string, input: unknown) => ChaosKind | undefined;

const THROWS: readonly ChaosKind[] = ['throughput', 'throttling', 'internal', 'unavailable'];

function errorOf(kind: ChaosKind): Error {
  const $metadata = { httpStatusCode: 400 };
  switch (kind) {
    case 'throughput':
      return new ProvisionedThroughputExceededException({ message: 'chaos: throughput exceeded', $metadata });
    case 'throttling':
      return new ThrottlingException({ message: 'chaos: rate exceeded', $metadata });
    case 'unavailable':
      return new DynamoDBServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'chaos: service unavailable',
        $metadata: { httpStatusCode: 503 },
      });
    default:
      return new InternalServerError({
        message: 'chaos: internal error',
        $metadata: { httpStatusCode: 500 },
      });
  }
}

export class DynamoChaos {
  /** Undefined: every call goes through untouched. */
  plan: ChaosPlan | undefined;
  /** `<command> <kind>` → how many times it was injected. */
  readonly counts = new Map<string, number>();
  /** Calls seen (faulted or not). */
  calls = 0;

  constructor(
    client: DynamoDBClient,
    /** Decides which requests of an `unprocessed` batch are held back. */
    private readonly random: () => number = Math.random,
    private readonly fraction = 0.5,
  ) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.calls++;
        const command = context.commandName ?? '?';
        let kind = this.plan?.(command, args.input);
        if (
          kind === 'unprocessed' &&
          command !== 'BatchWriteItemCommand' &&
          command !== 'BatchGetItemCommand'
        ) {
          kind = 'internal';
        }
        if (kind === undefined) return next(args);
        this.count(command, kind);
        if (THROWS.includes(kind)) throw errorOf(kind);
        if (kind === 'lost-response') {
          await next(args);
          throw errorOf('internal');
        }
        if (command === 'BatchWriteItemCommand') {
          const input = args.input as BatchWriteItemCommandInput;
          const sent: Record<string, WriteRequest[]> = {};
          const held: Record<string, WriteRequest[]> = {};
          for (const [table, list] of Object.entries(input.RequestItems ?? {})) {
            const [keep, hold] = this.split(list);
            if (keep.length > 0) sent[table] = keep;
            if (hold.length > 0) held[table] = hold;
          }
          const result =
            Object.keys(sent).length > 0
              ? await next({ ...args, input: { ...input, RequestItems: sent } })
              : { output: { $metadata: {} }, response: {} };
          const output = { ...(result.output as BatchWriteItemCommandOutput), UnprocessedItems: held };
          return { ...result, output };
        }
        const input = args.input as BatchGetItemCommandInput;
        const sent: Record<string, KeysAndAttributes> = {};
        const held: Record<string, KeysAndAttributes> = {};
        for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
          const [keep, hold] = this.split(request.Keys ?? []);
          if (keep.length > 0) sent[table] = { ...request, Keys: keep };
          if (hold.length > 0) held[table] = { ...request, Keys: hold };
        }
        const result =
          Object.keys(sent).length > 0
            ? await next({ ...args, input: { ...input, RequestItems: sent } })
            : { output: { $metadata: {}, Responses: {} }, response: {} };
        const output = { ...(result.output as BatchGetItemCommandOutput), UnprocessedKeys: held };
        return { ...result, output };
      },
      { step: 'initialize', name: 'windrowChaos' },
    );
  }

  /** Total injections whose key matches `pattern` (e.g. `/unprocessed/`, `/^UpdateItem/`). */
  injected(pattern: RegExp = /./): number {
    let n = 0;
    for (const [key, count] of this.counts) if (pattern.test(key)) n += count;
    return n;
  }

  private count(command: string, kind: ChaosKind): void {
    const key = `${command.replace(/Command$/, '')} ${kind}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** [kept, held]: at least one held back. */
  private split<T>(list: readonly T[]): [T[], T[]] {
    const keep: T[] = [];
    const hold: T[] = [];
    for (const item of list) (this.random() < this.fraction ? hold : keep).push(item);
    if (hold.length === 0 && keep.length > 0) hold.push(keep.pop() as T);
    return [keep, hold];
  }
}

export interface RandomPlanOptions {
  /** Probability that a call gets a fault. */
  readonly rate: number;
  readonly random: () => number;
  /** Faults to draw from, uniformly (default: all six). */
  readonly kinds?: readonly ChaosKind[];
  /** Only calls of these commands (e.g. `'QueryCommand'`) get faults (default: every command). */
  readonly commands?: readonly string[];
}

/**
 * A plan that faults each call with probability `rate`, drawing the kind uniformly from `kinds`
 * (`unprocessed` only for batch commands; another kind is drawn for the rest).
 */
export function randomPlan(options: RandomPlanOptions): ChaosPlan {
  const kinds = options.kinds ?? [
    'throughput',
    'throttling',
    'internal',
    'unavailable',
    'lost-response',
    'unprocessed',
  ];
  return (command) => {
    if (options.commands !== undefined && !options.commands.includes(command)) return undefined;
    if (options.random() >= options.rate) return undefined;
    const batch = command === 'BatchWriteItemCommand' || command === 'BatchGetItemCommand';
    const usable = batch ? kinds : kinds.filter((k) => k !== 'unprocessed');
    if (usable.length === 0) return undefined;
    return usable[Math.floor(options.random() * usable.length)];
  };
}
