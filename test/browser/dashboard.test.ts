/**
 * The dashboard in headless Chromium against the local stack, as `npm start` serves it: points with
 * chosen timestamps go in over HTTP, the clock runs ahead and the closer ticks until their 1 s
 * windows are closed, then the page is driven through its controls (metric, tier, range, stats,
 * a filter) and each chart must plot exactly the closed windows; the tiers-side-by-side view shows
 * one chart per tier; grouping (all series, then by a key) queries with `by=` and names the groups
 * in the legends. A screenshot is left in test-output/dashboard.png.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it);
 * without it the test is reported as skipped.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config/config.js';
import { type LocalStack, startLocalStack } from '#local/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../test-output/dashboard.png', import.meta.url));

const config = parseConfig({
  tiers: ['1s', '10s', '1m'],
  allowedLateness: '1s',
  correctionHorizon: '10m',
  shards: 2,
  sink: 'dynamodb',
});

/** Seconds of data per series: one 1 s window each. */
const LATENCY_A_SECONDS = 12;
const LATENCY_B_SECONDS = 6;
const DEPTH_SECONDS = 5;

if (!existsSync(CHROMIUM)) {
  describe('Dashboard in headless Chromium', () => {
    it.skip(`skipped: ${CHROMIUM} is missing (apt-get install chromium)`, () => {});
  });
} else {
  describe('Dashboard in headless Chromium', () => {
    let offsetMs = 0;
    const clock = { nowMs: () => Date.now() + offsetMs };
    let stack: LocalStack;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const foreign: string[] = [];
    /** Query strings of the page's `GET /v1/query` requests. */
    const queries: string[] = [];

    /** Moves the clock to `toMs` in 1 s steps, ticking at each. */
    async function runTo(toMs: number) {
      while (clock.nowMs() < toMs) {
        offsetMs += Math.min(1_000, toMs - clock.nowMs());
        await stack.closer.tick();
      }
    }

    async function post(points: { metric: string; t: number; value: number; host: string }[]) {
      const response = await fetch(`${stack.url}/v1/points`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          points: points.map((p) => ({
            metric: p.metric,
            timestamp: p.t,
            value: p.value,
            attributes: { host: p.host },
          })),
        }),
      });
      expect(await response.json()).toMatchObject({ rejected: 0 });
    }

    /** Waits until the charts show `query` (every part of it) and the page is done loading. */
    async function shown(...parts: string[]) {
      await page.waitForFunction(
        (want) => {
          const { document } = globalThis as unknown as {
            document: { querySelector(s: string): { getAttribute(n: string): string | null } | null };
          };
          const query = document.querySelector('#charts')?.getAttribute('data-query') ?? '';
          const state = document.querySelector('#status')?.getAttribute('data-state');
          return want.every((p) => query.split('&').includes(p)) && state === 'ready';
        },
        parts,
        { timeout: 10_000 },
      );
    }

    const attr = (selector: string, name: string) => page.locator(selector).getAttribute(name);

    beforeAll(async () => {
      stack = await startLocalStack({ config, port: 0, quiet: true, clock });
      await stack.closer.tick(); // checkpoints start here: later points land in windows still open
      const t0 = Math.ceil((clock.nowMs() + 2_000) / 10_000) * 10_000; // a fresh 10 s window ahead
      const points: { metric: string; t: number; value: number; host: string }[] = [];
      const second = (metric: string, host: string, seconds: number, value: (s: number) => number) => {
        for (let s = 0; s < seconds; s++)
          for (const ms of [50, 400, 850])
            points.push({ metric, host, t: t0 + s * 1_000 + ms, value: value(s) + ms / 100 });
      };
      second('api.latency', 'a', LATENCY_A_SECONDS, (s) => 20 + 10 * Math.sin(s / 2));
      second('api.latency', 'b', LATENCY_B_SECONDS, (s) => 35 + s);
      second('queue.depth', 'a', DEPTH_SECONDS, (s) => s * 3);
      await post(points);
      // Every 1 s window closes at end + 1 s lateness; the 10 s window [t0, t0+10 s) too.
      await runTo(t0 + LATENCY_A_SECONDS * 1_000 + 1_500);

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith(`${stack.url}/`) && !r.url().startsWith('data:')) foreign.push(r.url());
        if (r.url().startsWith(`${stack.url}/v1/query?`)) queries.push(new URL(r.url()).search.slice(1));
      });
    });

    afterAll(async () => {
      await browser?.close();
      await stack?.stop();
    });

    it('serves the page with a CSP that allows only its own script', async () => {
      const response = await fetch(`${stack.url}/`);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await response.text();
      expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
        '<script src="/dashboard.js" defer>',
      ]);
      expect(html).toContain('&#34;name&#34;:&#34;10s&#34;'); // the configured tiers, in the meta tag
    });

    it('plots one point per closed window for the chosen metric and tier, and the tiers side by side', async () => {
      await page.goto(`${stack.url}/`);
      await expect
        .poll(() =>
          page.locator('#metric option').evaluateAll((os) => os.map((o) => (o as { value: string }).value)),
        )
        .toEqual(['api.latency', 'queue.depth']);
      expect(await page.locator('#tier option').allTextContents()).toEqual(['auto', '1s', '10s', '1m']);
      await page.selectOption('#refresh', 'off');
      await page.selectOption('#range', '15m');
      await page.selectOption('#tier', '1s');

      await page.selectOption('#metric', 'queue.depth');
      await shown('metric=queue.depth', 'tier=1s', 'since=15m');
      expect(await attr('#chart-count', 'data-points')).toBe(String(DEPTH_SECONDS));
      expect(await attr('#chart-avg', 'data-points')).toBe(String(DEPTH_SECONDS));

      await page.selectOption('#metric', 'api.latency');
      await page.check('#stat-max');
      await shown('metric=api.latency', 'tier=1s');
      // Two series: one line each, every closed window a point.
      expect(await attr('#chart-count', 'data-series')).toBe('2');
      expect(await attr('#chart-count', 'data-points')).toBe(String(LATENCY_A_SECONDS + LATENCY_B_SECONDS));
      expect(await attr('#chart-max', 'data-points')).toBe(String(LATENCY_A_SECONDS + LATENCY_B_SECONDS));
      expect(await page.locator('#charts .chart').evaluateAll((cs) => cs.map((c) => c.id))).toEqual([
        'chart-count',
        'chart-max',
        'chart-avg',
        'chart-p95',
      ]);
      expect(await page.locator('#chart-count .u-legend').textContent()).toContain('host=b');

      await page.click('#add-filter');
      await page.locator('#filter-list input').last().fill('attr.host=a');
      await page.locator('#filter-list input').last().press('Enter');
      await shown('metric=api.latency', 'tier=1s', 'attr.host=a');
      expect(await attr('#chart-count', 'data-series')).toBe('1');
      expect(await attr('#chart-count', 'data-points')).toBe(String(LATENCY_A_SECONDS));

      // Tiers side by side for host=a: 12 one-second windows, one closed 10 s window, one chart each.
      const tiers = page.locator('#tiers .chart');
      await expect.poll(() => tiers.count()).toBe(3);
      expect(await tiers.evaluateAll((cs) => cs.map((c) => c.getAttribute('data-tier')))).toEqual([
        '1s',
        '10s',
        '1m',
      ]);
      expect(await attr('#tiers [data-tier="1s"]', 'data-points')).toBe(String(LATENCY_A_SECONDS));
      expect(await attr('#tiers [data-tier="10s"]', 'data-points')).toBe('1');

      // The view is in the URL: a reload shows the same.
      expect(new URL(page.url()).hash).toContain('filter=attr.host%3Da');
      await page.reload();
      await shown('metric=api.latency', 'tier=1s', 'attr.host=a');
      expect(await attr('#chart-count', 'data-points')).toBe(String(LATENCY_A_SECONDS));

      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
    });

    it('groups series at query time: all series in one, then by a key offered from the series shown', async () => {
      await page.goto(`${stack.url}/#metric=api.latency&tier=1s&range=15m&refresh=off`);
      await shown('metric=api.latency', 'tier=1s');
      expect(await attr('#chart-count', 'data-series')).toBe('2');
      const choices = page.locator('#group-by input[name=by]');
      expect(await choices.evaluateAll((bs) => bs.map((b) => (b as { value: string }).value))).toEqual([
        ':none',
        ':all',
        'attr.host',
      ]);
      expect(await page.locator('#group-by').textContent()).toContain('host');
      expect(await page.isChecked('#by-none')).toBe(true);

      // All series: one line, a point wherever either host had a window, each window's count pooled.
      await page.check('#by-all');
      await shown('metric=api.latency', 'tier=1s', 'by=');
      expect(await attr('#chart-count', 'data-series')).toBe('1');
      expect(await attr('#chart-count', 'data-points')).toBe(String(LATENCY_A_SECONDS));
      expect(await page.locator('#chart-count .u-legend').textContent()).toContain('all series · 2 series');
      expect(new URL(page.url()).hash).toContain('by=');
      expect(await page.locator('#status').textContent()).toContain('1 group of all series');
      const tiers = page.locator('#tiers .chart');
      await expect.poll(() => tiers.count()).toBe(3);
      expect(await attr('#tiers [data-tier="1s"]', 'data-points')).toBe(String(LATENCY_A_SECONDS));

      // By host: the key is still offered (a grouped answer holds only its keys); one line per host.
      await page.check('#group-by input[value="attr.host"]');
      await shown('metric=api.latency', 'tier=1s', 'by=attr.host');
      expect(await page.isChecked('#by-all')).toBe(false);
      expect(await attr('#chart-count', 'data-series')).toBe('2');
      expect(await attr('#chart-count', 'data-points')).toBe(String(LATENCY_A_SECONDS + LATENCY_B_SECONDS));
      const legend = await page.locator('#chart-count .u-legend').textContent();
      expect(legend).toContain('host=a · 1 series');
      expect(legend).toContain('host=b · 1 series');
      expect(new URL(page.url()).hash).toContain('by=attr.host');
      expect(await page.locator('#status').textContent()).toContain('by host');

      // The grouping is in the URL: a reload shows the same.
      await page.reload();
      await shown('metric=api.latency', 'tier=1s', 'by=attr.host');
      expect(await page.isChecked('#group-by input[value="attr.host"]')).toBe(true);
      expect(await attr('#chart-count', 'data-series')).toBe('2');

      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Back to none: no by sent.
      await page.check('#by-none');
      await expect.poll(() => queries.at(-1)).not.toContain('by=');
      await shown('metric=api.latency', 'tier=1s');
      expect(await attr('#chart-count', 'data-series')).toBe('2');
      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
    });

    it('does not group session windows: the control is disabled and no by is sent', async () => {
      queries.length = 0;
      await page.goto(`${stack.url}/#metric=api.latency&window=session&by=attr.host&refresh=off`);
      await page.waitForSelector('#status:not([data-state=loading])');
      expect(await page.locator('#group-by').getAttribute('disabled')).not.toBeNull();
      expect(await page.isDisabled('#group-by input[value="attr.host"]')).toBe(true);
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.every((q) => !new URLSearchParams(q).has('by'))).toBe(true);
      expect(new URL(page.url()).hash).toContain('by=attr.host'); // kept for when the window changes back
    });
  });
}
