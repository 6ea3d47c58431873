/**
 * Fault injection for DynamoDB adapter tests: a middleware at the `initialize` step (before the
 * SDK's own retry middleware, so every injected fault reaches the adapter) that can throw, or let
 * a BatchWriteItem through with some of its items held back and returned as `UnprocessedItems`
 * (the held-back items really are not written, so dynalite shows what the adapter claims).
 */
import type {
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  DynamoDBClient,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';

export type Fault =
  | { readonly throw: unknown }
  /** Writes the requests for which `hold` is false; returns the others as unprocessed. */
  | { readonly hold: (request: WriteRequest) => boolean };

export interface FaultLog {
  /** Every call of the command, in order, with how many write requests it carried (BatchWriteItem). */
  readonly calls: { readonly command: string; readonly requests: number }[];
}

/** `plan(call)` (0-based per command name) decides the fault of each call; undefined lets it through. */
export function injectFaults(
  client: DynamoDBClient,
  commandName: string,
  plan: (call: number, input: unknown) => Fault | undefined,
): FaultLog {
  const log: FaultLog = { calls: [] };
  let count = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== commandName) return next(args);
      const input = args.input as BatchWriteItemCommandInput;
      const requests = Object.values(input.RequestItems ?? {}).reduce((n, list) => n + list.length, 0);
      log.calls.push({ command: commandName, requests });
      const fault = plan(count++, args.input);
      if (fault === undefined) return next(args);
      if ('throw' in fault) throw fault.throw;
      const sent: Record<string, WriteRequest[]> = {};
      const held: Record<string, WriteRequest[]> = {};
      for (const [table, list] of Object.entries(input.RequestItems ?? {})) {
        sent[table] = list.filter((r) => !fault.hold(r));
        held[table] = list.filter((r) => fault.hold(r));
      }
      const anySent = Object.values(sent).some((list) => list.length > 0);
      const result = anySent
        ? await next({ ...args, input: { ...input, RequestItems: sent } })
        : { output: { $metadata: {} }, response: {} };
      const output = { ...(result.output as BatchWriteItemCommandOutput), UnprocessedItems: held };
      return { ...result, output };
    },
    { step: 'initialize', name: 'testFaults' },
  );
  return log;
}

/**
 * A recording sleep that resolves on the next turn of the event loop (no real waiting, but other
 * requests in flight settle first, as they would during a real backoff), and a random() that
 * replays `values` cyclically.
 */
export function instantRetry(values: readonly number[] = [0.5]) {
  const delays: number[] = [];
  let i = 0;
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms);
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
    random: () => values[i++ % values.length] ?? 0.5,
  };
}
