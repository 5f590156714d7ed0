import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useBrowser, SIZES } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';

/** The Twitter outage of 28 December 2022 at its peak minute, paused. */
const PEAK = '/?service=twitter&t=1672275180000&playing=0';

const browser = useBrowser();

/**
 * Text boxes of the chrome whose text is wider than the box (cut off or spilling over a
 * neighbour). Inline boxes have no width of their own and are measured through their block;
 * a deliberate ellipsis (long country names) and the chart key's faded row are by design.
 */
function overflowing(): string[] {
  const out: string[] = [];
  const roots = document.querySelectorAll<HTMLElement>('.topbar, .panel, .legend');
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll<HTMLElement>('*')]) {
      const style = getComputedStyle(el);
      if (style.display === 'inline' || style.display === 'contents' || el.clientWidth === 0 || !el.checkVisibility()) continue;
      if (style.textOverflow === 'ellipsis' || el.closest('.timeline-legend, .timeline-plot, .visually-hidden, select')) continue;
      const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
      if (!ownText && el !== root) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        out.push(`${el.tagName.toLowerCase()}.${el.className}: "${el.textContent!.trim().slice(0, 40)}" ${el.scrollWidth} > ${el.clientWidth}`);
      }
    }
  }
  return out;
}

/** The top country's figure where the page shows it: the top list, the table, the chart's key. */
function topCountryFigures() {
  const row = document.querySelector('.top-row');
  const name = row?.querySelector('.top-name')?.textContent ?? '';
  const list = row?.querySelector('.top-count')?.textContent ?? '';
  const code = Object.entries(window.outageMap.states()).sort((a, b) => b[1].count - a[1].count)[0]?.[0] ?? '';
  const table = document.querySelector(`#data tr[data-code="${code}"] td`)?.textContent ?? '';
  const key = [...document.querySelectorAll<HTMLElement>('.timeline-key')].find((k) => k.querySelector('.timeline-key-label')?.textContent === code);
  const chart = key?.querySelector('b')?.textContent ?? '';
  return { code, name, list, table, chart };
}

async function openPeak(page: Page, url: string): Promise<void> {
  await page.goto(url);
  // Like waitForMap, with room for a 4K frame rendered in software on a busy machine.
  await page.waitForFunction(() => window.outageMap?.map?.loaded() && window.outageMap.connection() === 'live', undefined, { timeout: 90_000 });
  await page.waitForFunction(
    () => window.outageMap.mode() === 'replay' && document.querySelectorAll('.top-row').length >= 3 && document.querySelectorAll('.timeline-key b').length > 2,
    undefined,
    { timeout: 30_000 },
  );
}

/** Until the heat tween has stopped (its tick count holds still for a few hundred ms). */
async function settled(page: Page): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const ticks = await page.evaluate(() => window.outageMap.tweenStats().ticks);
    if (ticks === last) return;
    last = ticks;
    await page.waitForTimeout(300);
  }
}

describe('every size, in English and Arabic', () => {
  for (const lang of ['en', 'ar'] as const) {
    it(`fits its text and shows one number per moment at phone, laptop, 1080p and 4K (${lang})`, async () => {
      const server = await startServer({ frameMs: 250 }, { withClient: true, bundled: true });
      onTestFinished(() => server.close());
      for (const [w, h] of SIZES) {
        const page = await browser.page(w, h);
        onTestFinished(() => page.close());
        await openPeak(page, `${server.url}${PEAK}&lang=${lang}`);
        if (lang === 'ar') expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
        // The tween eases the heat in; the picture is of the settled frame.
        await settled(page);
        await page.screenshot({ path: `test-results/e2e-home-${lang}-${w}x${h}.png` });
        expect(await page.evaluate(overflowing), `${lang} ${w}x${h}`).toEqual([]);

        await page.click('#data-toggle');
        await page.waitForFunction(() => document.querySelectorAll('#data tbody tr').length > 10, undefined, { timeout: 10_000 });
        await page.screenshot({ path: `test-results/e2e-table-${lang}-${w}x${h}.png` });
        expect(await page.evaluate(overflowing), `${lang} ${w}x${h} with the table`).toEqual([]);
        // On a phone the table is a sheet over part of the map, never all of it.
        if (w < 600) {
          const covered = await page.evaluate(() => document.querySelector('#data')!.getBoundingClientRect().height / window.innerHeight);
          expect(covered).toBeLessThan(0.5);
        }

        const figures = await page.evaluate(topCountryFigures);
        expect(figures.list, JSON.stringify(figures)).toMatch(/\d|[٠-٩]/);
        expect(figures.table, JSON.stringify(figures)).toBe(figures.list);
        expect(figures.chart, JSON.stringify(figures)).toBe(figures.list);
        await page.close();
      }
    }, 480_000);
  }
});
