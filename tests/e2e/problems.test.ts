import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useBrowser } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';

/** The Twitter outage of 28 December 2022 at its peak, paused. */
const PEAK = '/?service=twitter&t=2022-12-29T00:45:00Z&playing=0';
const WORDS = {
  en: { website: 'Website', all: 'All countries', us: 'United States', column: 'Reported problems' },
  ar: { website: 'الموقع', all: 'كل البلدان', us: 'الولايات المتحدة', column: 'المشكلات المبلّغ عنها' },
} as const;

const browser = useBrowser();

/** A share as shown ("82%", "٨٢٪", with bidi isolates) as a number. */
function percent(text: string): number {
  const latin = text.replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660)).replace(/[^\d]/g, '');
  return Number(latin);
}

/** Each group of the breakdown panel: its label and its rows (type, share). */
function groups(): Array<{ label: string; rows: Array<[string, string]> }> {
  return [...document.querySelectorAll('#top .problems:not([hidden]) .problems-group')].map((g) => ({
    label: g.querySelector('.problems-label')!.textContent!,
    rows: [...g.querySelectorAll('.problems-row')].map((r) => [r.querySelector('.problems-name')!.textContent!, r.querySelector('.problems-share')!.textContent!] as [string, string]),
  }));
}

async function openPeak(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => window.outageMap?.map?.loaded() && window.outageMap.mode() === 'replay' && document.querySelectorAll('.top-row').length >= 3, undefined, { timeout: 90_000 });
}

describe('what people report, on the main page', () => {
  for (const lang of ['en', 'ar'] as const) {
    it(`shows the share of each problem type at the Twitter peak, for the service and the country under the pointer, and in the table (${lang})`, async () => {
      const words = WORDS[lang];
      const server = await startServer({ frameMs: 250 }, { withClient: true, bundled: true });
      onTestFinished(() => server.close());
      const page = await browser.page(1280, 720);
      onTestFinished(() => page.close());
      await openPeak(page, `${server.url}${PEAK}&lang=${lang}`);
      await page.waitForSelector('#top .problems:not([hidden]) .problems-row', { timeout: 10_000 });

      const [service] = await page.evaluate(groups);
      expect(service!.label).toBe(words.all);
      // Downdetector's US split, which the reconstruction assumes for every country: website first.
      expect(service!.rows[0]![0]).toBe(words.website);
      expect(percent(service!.rows[0]![1])).toBeGreaterThanOrEqual(80);
      expect(percent(service!.rows[0]![1])).toBeLessThanOrEqual(85);
      expect(service!.rows.map(([, share]) => percent(share)).reduce((a, b) => a + b, 0)).toBe(100);
      // The panel's text fits its box in either direction.
      expect(await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('#top .problems *')].filter((el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0).map((el) => el.className))).toEqual([]);
      // The bars start at the reading direction's start: the right edge in Arabic.
      const bar = await page.evaluate(() => {
        const fill = document.querySelector<HTMLElement>('#top .problems-bar > span')!.getBoundingClientRect();
        const track = fill.width && document.querySelector<HTMLElement>('#top .problems-bar')!.getBoundingClientRect();
        return track ? { left: Math.round(fill.left - track.left), right: Math.round(track.right - fill.right) } : undefined;
      });
      expect(lang === 'ar' ? bar!.right : bar!.left).toBe(0);

      // Point at the United States: its own breakdown joins the service's.
      const at = await page.evaluate(() => window.outageMap.map.project([-98, 39]));
      await page.mouse.move(at.x, at.y);
      await page.waitForFunction((us) => [...document.querySelectorAll('#top .problems-label')].some((l) => l.textContent === us), words.us, { timeout: 10_000 });
      const us = (await page.evaluate(groups)).find((g) => g.label === words.us)!;
      expect(us.rows[0]![0]).toBe(words.website);
      expect(Math.abs(percent(us.rows[0]![1]) - 82)).toBeLessThanOrEqual(2);
      await page.screenshot({ path: `test-results/e2e-problems-${lang}.png` });

      // The data view: a column per country and the service's line above the table.
      await page.mouse.move(5, 700);
      await page.click('#data-toggle');
      await page.waitForFunction(() => document.querySelector('#data tr[data-code="US"] td:nth-of-type(5)')?.textContent, undefined, { timeout: 10_000 });
      expect(await page.textContent('#data thead .data-col-problems')).toContain(words.column);
      expect(await page.textContent('#data tr[data-code="US"] td:nth-of-type(5)')).toContain(words.website);
      expect(await page.textContent('#data .data-problems')).toContain(words.website);
      await page.screenshot({ path: `test-results/e2e-problems-table-${lang}.png` });
    }, 180_000);
  }
});

describe('what people report, on screens', () => {
  it('shows the service\'s shares under the counters when the producer turns them on, and hides them when off', async () => {
    const token = 'a-long-secret-for-producers';
    const server = await startServer({ frameMs: 250, controlToken: token }, { withClient: true, bundled: true });
    onTestFinished(() => server.close());
    const put = (body: unknown) =>
      fetch(`${server.url}/api/channels/wall`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ service: 'twitter', t: '2022-12-29T00:45:00Z', playing: false, problems: true })).status).toBe(200);
    const page = await browser.page(1920, 1080);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}/screen?channel=wall&lang=ar`);
    await page.waitForSelector('#counters .problems:not([hidden]) .problems-row', { timeout: 60_000 });
    const first = await page.textContent('#counters .problems-row .problems-name');
    expect(first).toBe(WORDS.ar.website);
    await page.screenshot({ path: 'test-results/e2e-problems-screen-ar.png' });
    // The producer switches the wall to French: the breakdown speaks it at once, like the rest.
    expect((await put({ locale: 'fr' })).status).toBe(200);
    await page.waitForFunction(() => document.querySelector('#counters .problems-row .problems-name')?.textContent === 'Site web', undefined, { timeout: 10_000 });
    expect(await page.textContent('#counters .problems-title')).toBe('Ce que signalent les gens');
    expect((await put({ problems: false })).status).toBe(200);
    await page.waitForSelector('#counters .problems', { state: 'hidden', timeout: 10_000 });
  }, 120_000);
});
