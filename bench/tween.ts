/**
 * Main-thread cost of animating every country at once, in Debian's headless Chromium.
 * Ours: all 250 countries tween to new heat (setFeatureState each animation frame, MapLibre
 * repaints). Baseline, same page and run: MapLibre repainting every frame with no state changes.
 * Software rendering is slow here, so the ratio is the figure that travels, not the milliseconds.
 */
import { ensureClientBuilt } from '../server/client-build.ts';
import { COUNTRY_CODES } from '../shared/countries.ts';
import { launchBrowser, waitForMap } from '../tests/helpers/browser.ts';
import { postJson, startServer } from '../tests/helpers/server.ts';

export interface TweenBench {
  viewport: string;
  countries: number;
  tweenTickMeanMs: number;
  tweenTickP95Ms: number;
  /** Per round, alternated: tweening, then the same map repainting with no change. */
  frameMsTween: number[];
  frameMsBaseline: number[];
}

export async function benchTween(width = 1280, height = 720): Promise<TweenBench> {
  await ensureClientBuilt({ info: () => {} });
  const server = await startServer({ frameMs: 250 }, { withClient: true });
  const browser = await launchBrowser();
  try {
    const page = await browser.page(width, height);
    await page.goto(`${server.url}/?service=twitter`);
    await waitForMap(page);

    // Mean rAF-to-rAF interval over `ms`, repainting each frame or not. A string, because tsx
    // wraps named functions in a helper that does not exist inside the page.
    const frameInterval = (mode: 'repaint' | 'idle', ms: number) =>
      page.evaluate<number>(`new Promise((resolve) => {
        const map = window.outageMap.map;
        const stamps = [];
        const end = performance.now() + ${ms};
        const step = (now) => {
          stamps.push(now);
          if (${mode === 'repaint'}) map.triggerRepaint();
          if (now < end) requestAnimationFrame(step);
          else resolve((stamps[stamps.length - 1] - stamps[0]) / Math.max(1, stamps.length - 1));
        };
        requestAnimationFrame(step);
      })`);

    // Warm-up, then rounds alternating the baseline and the tween (the machine is shared).
    await frameInterval('repaint', 1000);
    const rounds = 4;
    const tween: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < rounds; round++) {
      baseline.push(await frameInterval('repaint', 600));
      const at = Date.now();
      const rows = COUNTRY_CODES.map((country, i) => ({ service: 'twitter', country, at, count: 1 + ((i * 37 + round * 101) % 500) * (round + 1) }));
      const before = await page.evaluate(() => window.outageMap.tweenStats().ticks);
      await postJson(`${server.url}/api/ingest`, rows);
      await page.waitForFunction((n) => window.outageMap.tweenStats().ticks > n, before, { timeout: 10_000 });
      tween.push(await frameInterval('idle', 600));
      await page.waitForTimeout(300);
    }
    const stats = await page.evaluate(() => window.outageMap.tweenStats());
    return {
      viewport: `${width}x${height}`,
      countries: COUNTRY_CODES.length,
      tweenTickMeanMs: stats.meanMs,
      tweenTickP95Ms: stats.p95Ms,
      frameMsTween: tween,
      frameMsBaseline: baseline,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
