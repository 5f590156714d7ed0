import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useBrowser, SIZES } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';

const browser = useBrowser();
const PAGES = ['/?service=twitter', '/screen?service=twitter', '/embed?service=twitter'] as const;

/**
 * Shown tick labels of the map's key that leave the key's box or overlap the shown label before
 * them, or the last label ("10K+") hidden (runs in the page). A label left out for room is hidden.
 */
function misplacedTicks(): string[] {
  const legend = document.querySelector<HTMLElement>('.legend')!;
  const box = legend.getBoundingClientRect();
  const all = [...legend.querySelectorAll<HTMLElement>('.legend-tick')];
  const ticks = all.filter((tick) => getComputedStyle(tick).visibility !== 'hidden');
  const rtl = document.documentElement.dir === 'rtl';
  const bad: string[] = [];
  ticks.forEach((tick, i) => {
    const r = tick.getBoundingClientRect();
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) bad.push(`${tick.textContent} outside the key`);
    const before = ticks[i - 1]?.getBoundingClientRect();
    if (before && (rtl ? r.right > before.left + 0.5 : r.left < before.right - 0.5)) bad.push(`${tick.textContent} over ${ticks[i - 1]!.textContent}`);
  });
  if (ticks.at(-1) !== all.at(-1)) bad.push('the last label is hidden');
  if (ticks.length < 3) bad.push(`only ${ticks.length} labels shown`);
  return bad;
}

async function legendOf(page: Page, url: string): Promise<string[]> {
  await page.goto(url);
  await page.waitForFunction(() => window.outageMap?.snapshot() !== undefined && document.querySelector('.legend-tick-last') !== null, undefined, { timeout: 20_000 });
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))));
  return page.evaluate(misplacedTicks);
}

describe('map key', () => {
  for (const path of PAGES) {
    for (const lang of ['en', 'ar'] as const) {
      it(`keeps every label, "10K+" last, inside its box on ${path.split('?')[0]} in ${lang} at every size`, async () => {
        const server = await startServer({ frameMs: 250 }, { withClient: true });
        onTestFinished(() => server.close());
        const page = await browser.page(SIZES[0][0], SIZES[0][1]);
        onTestFinished(() => page.close());
        for (const [width, height] of SIZES) {
          await page.setViewportSize({ width, height });
          const bad = await legendOf(page, `${server.url}${path}&lang=${lang}`);
          await page.locator('.legend').screenshot({ path: `test-results/e2e-legend-${path.split('?')[0]!.replace(/\W/g, '') || 'home'}-${lang}-${width}x${height}.png` });
          expect.soft(bad, `${width}x${height}: ${JSON.stringify(bad)}`).toEqual([]);
        }
        // A screen resized in place (a window dragged to the wall display) keeps it inside too.
        await page.setViewportSize({ width: 1280, height: 720 });
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        expect.soft(await page.evaluate(misplacedTicks), 'after resizing from 4K to 1280x720').toEqual([]);
      }, 120_000);
    }
  }
});
