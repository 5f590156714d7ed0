import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitForMap, useBrowser, SIZES } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const browser = useBrowser();
/** The Twitter peak: the chart holds its five top countries beside the total and the baseline. */
const PEAK = '/?service=twitter&t=2022-12-29T00:45:00Z&speed=60&playing=0';
/**
 * Hours after the outage, outside any incident: the chart spans six hours to 11:02, so its last
 * label (11:00) stands two minutes from the end of the axis, where "11:00 PM" was cut to "11:00 PI".
 */
const QUIET = '/?service=twitter&t=2022-12-29T10:02:00Z&speed=60&playing=0';

/** Opens `link` and waits for its chart: drawn from the timeline the page fetched, every key with its value. */
async function openChart(page: Page, server: RunningServer, link: string, lang: string, keys: number): Promise<void> {
  const timeline = page.waitForResponse((res) => res.url().includes('/api/timeline'), { timeout: 30_000 });
  await page.goto(`${server.url}${link}&lang=${lang}`);
  await timeline;
  await waitForMap(page);
  await page.waitForFunction(
    (count) => {
      const all = [...document.querySelectorAll('.timeline-key')];
      return all.length >= count && all.every((k) => /\d/.test(k.querySelector('b')?.textContent ?? '')) && document.querySelector('.timeline-plot canvas') !== null;
    },
    keys,
    { timeout: 15_000 },
  );
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Keys of the chart's legend that are not whole inside the legend's visible box (runs in the page). */
function cutKeys(): string[] {
  const legend = document.querySelector<HTMLElement>('.timeline-legend')!;
  const box = legend.getBoundingClientRect();
  const cut: string[] = [];
  for (const key of legend.querySelectorAll<HTMLElement>('.timeline-key')) {
    const r = key.getBoundingClientRect();
    const whole = r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 && r.right <= innerWidth && r.left >= 0;
    if (!whole) cut.push(key.innerText);
  }
  // A fade over the end of the line hides a value as surely as a clip does.
  if (getComputedStyle(legend).maskImage !== 'none' && legend.scrollWidth > legend.clientWidth) cut.push('(faded)');
  return cut;
}

/**
 * Columns of the chart canvas's x-axis band at its two edges that hold ink: a label cut by the
 * canvas edge ("11:00 PI") leaves its letters there (runs in the page).
 */
function inkAtAxisEdges(): number {
  const canvas = document.querySelector<HTMLCanvasElement>('.timeline-plot canvas')!;
  const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const ratio = canvas.width / canvas.clientWidth;
  // The axis band is 2.6rem high; the y axis's "0" reaches a little into it, so start lower.
  const top = Math.round(canvas.height - 2.2 * rootPx * ratio);
  const ctx = canvas.getContext('2d')!;
  let ink = 0;
  for (const x of [0, 1, canvas.width - 2, canvas.width - 1]) {
    const column = ctx.getImageData(x, top, 1, canvas.height - top).data;
    for (let i = 3; i < column.length; i += 4) if (column[i]! > 40) ink++;
  }
  return ink;
}

describe('timeline chart fits its labels', () => {
  for (const lang of ['en', 'ar'] as const) {
    for (const [width, height] of SIZES) {
      it(`shows every series key whole and no axis label cut at ${width}x${height} in ${lang}`, async () => {
        const server = await startServer({ frameMs: 250 }, { withClient: true, bundled: true });
        onTestFinished(() => server.close());
        const page = await browser.page(width, height);
        onTestFinished(() => page.close());
        await openChart(page, server, PEAK, lang, 7);
        await page.screenshot({ path: `test-results/e2e-chart-${lang}-${width}x${height}.png` });
        expect.soft(await page.evaluate(cutKeys), 'series keys cut or faded').toEqual([]);
        expect.soft(await page.evaluate(inkAtAxisEdges), 'ink of a cut axis label at the canvas edges, at the peak').toBe(0);

        await openChart(page, server, QUIET, lang, 2);
        await page.screenshot({ path: `test-results/e2e-chart-quiet-${lang}-${width}x${height}.png` });
        expect.soft(await page.evaluate(inkAtAxisEdges), 'ink of a cut axis label at the canvas edges, a label near the end').toBe(0);
      }, 60_000);
    }
  }
});
