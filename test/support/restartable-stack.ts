/**
 * The local stack restarted on one data directory with other configurations, on a clock that starts
 * 2 s into a minute and moves only when a test moves it (as after a deploy or `npm start` again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigInput, parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';

export class RestartableStack {
  private readonly dir = mkdtempSync(join(tmpdir(), 'windrow-restart-'));
  private offsetMs = Math.ceil(Date.now() / 60_000) * 60_000 + 2_000 - Date.now();
  readonly clock = { nowMs: () => Date.now() + this.offsetMs };
  private stack: LocalStack | undefined;

  constructor(private readonly metric: string) {}

  /** Stops the running stack and starts one with `input`, then runs one planner tick. */
  async restart(input: ConfigInput): Promise<LocalStack> {
    await this.stack?.stop();
    this.stack = undefined;
    const dataDir = this.dir;
    this.stack = await startLocalStack({
      config: parseConfig(input),
      port: 0,
      quiet: true,
      clock: this.clock,
      dataDir,
    });
    await this.stack.closer.tick();
    return this.stack;
  }

  /** One point of the test's metric (host `a`) over `/v1/points`; the answer. */
  async send(s: LocalStack, t: number, value: number) {
    const response = await fetch(`${s.url}/v1/points`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        points: [{ metric: this.metric, timestamp: t, value, attributes: { host: 'a' } }],
      }),
    });
    return (await response.json()) as { accepted: number; rejected: number; reasons: Record<string, number> };
  }

  /** Moves the clock to `toMs` in 1 s steps, a planner tick at each. */
  async runTo(s: LocalStack, toMs: number): Promise<void> {
    while (this.clock.nowMs() < toMs) {
      this.offsetMs += Math.min(1_000, toMs - this.clock.nowMs());
      await s.closer.tick();
    }
  }

  /** Moves the clock on without ticking (time passing while the stack is down). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  async close(): Promise<void> {
    await this.stack?.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
