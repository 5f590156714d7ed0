import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitForMap, useBrowser } from '../helpers/browser.ts';
import { postJson, startServer, type RunningServer } from '../helpers/server.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TOKEN = 'producer-token-for-a11y-tests';
const PEAK = '/?service=twitter&t=1672275180000&playing=0';
const LANGUAGES = ['en', 'ar'] as const;

const browser = useBrowser();

async function serverFor(): Promise<RunningServer> {
  const server = await startServer({ controlToken: TOKEN, frameMs: 100 }, { withClient: true, bundled: true });
  onTestFinished(() => server.close());
  return server;
}

async function pageFor(width = 1280, height = 720): Promise<Page> {
  const page = await browser.page(width, height);
  onTestFinished(() => page.close());
  return page;
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page; every violation, with the selectors of its first few nodes. The
 * pages' Content-Security-Policy refuses inline scripts (so `addScriptTag` is blocked, rightly):
 * axe goes in through the DevTools protocol instead, which no page policy governs.
 */
async function axe(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(context: Document, options: object): Promise<any> } }).axe.run(document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n: any) => n.target.join(' ')),
    }));
  });
}

function withLang(path: string, lang: string): string {
  return lang === 'en' ? path : `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
}

/** The page's text is in the asked language once the catalogue serves it (lang on <html>). */
async function expectLanguage(page: Page, lang: string): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.lang.split('-')[0])).toBe(lang);
}

const PAGES: Array<{ name: string; path: string; ready: (page: Page) => Promise<unknown> }> = [
  { name: 'home (live)', path: '/?service=twitter', ready: (page) => waitForMap(page) },
  {
    name: 'home (Twitter peak replay)',
    path: PEAK,
    ready: async (page) => {
      await waitForMap(page);
      await page.waitForFunction(() => window.outageMap.mode() === 'replay' && document.querySelectorAll('.top-row').length > 3, undefined, { timeout: 15_000 });
    },
  },
  { name: 'screen', path: '/screen?service=twitter', ready: (page) => waitForMap(page) },
  { name: 'embed', path: '/embed?service=twitter', ready: (page) => waitForMap(page) },
  { name: 'control', path: '/control', ready: (page) => page.waitForSelector('select, button', { timeout: 15_000 }) },
];

describe('accessibility (axe-core in Chromium)', () => {
  for (const lang of LANGUAGES) {
    it(`has no serious or critical violation on any page, ${lang}`, async () => {
      const server = await serverFor();
      const page = await pageFor();
      // The producer's cookie, as a producer gets it: open /control once with the token.
      await page.goto(`${server.url}/control?token=${TOKEN}`);
      const found: Record<string, Violation[]> = {};
      for (const { name, path, ready } of PAGES) {
        await page.goto(`${server.url}${withLang(path, lang)}`);
        await ready(page);
        if (lang !== 'en') await expectLanguage(page, lang);
        await page.screenshot({ path: `test-results/e2e-a11y-${lang}-${name.replace(/\W+/g, '-').replace(/-$/, '')}.png` });
        const violations = await axe(page);
        const counts = violations.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.impact ?? 'none']: (acc[v.impact ?? 'none'] ?? 0) + 1 }), {});
        console.log(`[axe] ${lang} ${name}: ${JSON.stringify(counts)}${violations.length ? ` ${violations.map((v) => `${v.id}(${v.impact})`).join(', ')}` : ''}`);
        found[name] = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      }
      expect(found).toEqual(Object.fromEntries(PAGES.map((p) => [p.name, []])));
    }, 120_000);
  }
});

/** Describes the focused element: its role or tag, its name, and a selector-ish hint. */
function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return { tag: 'none', id: '', cls: '', role: '', label: '', visible: false, ring: false };
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      cls: typeof el.className === 'string' ? el.className : '',
      role: el.getAttribute('role') ?? '',
      label: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 60),
      visible: rect.width > 0 && rect.height > 0,
      ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
  });
}

describe('keyboard', () => {
  it('tabs through every control in order, each visibly focused, with no dead stop', async () => {
    const server = await serverFor();
    const page = await pageFor();
    await page.goto(`${server.url}${PEAK}`);
    await waitForMap(page);
    await page.waitForFunction(() => document.querySelectorAll('.top-row').length > 3, undefined, { timeout: 15_000 });
    const stops: Array<Awaited<ReturnType<typeof focused>>> = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const stop = await focused(page);
      // Past the last control focus leaves the page (the browser's own bar; headless, the body).
      if (stop.tag === 'body' && stops.length > 0) break;
      if (stops.length > 0 && stop.tag === stops[0]!.tag && stop.id === stops[0]!.id && stop.cls === stops[0]!.cls) break;
      stops.push(stop);
    }
    const names = stops.map((s) => s.id || s.role || s.cls || s.tag);
    console.log(`[keyboard] tab order: ${names.join(' → ')}`);
    // Nothing that does nothing: no body, no bare container.
    for (const stop of stops) {
      expect(['body', 'html', 'div', 'section', 'aside', 'main', 'none'].includes(stop.tag) && !stop.role, JSON.stringify(stop)).toBe(false);
      expect(stop.visible, JSON.stringify(stop)).toBe(true);
      expect(stop.ring, `no focus ring: ${JSON.stringify(stop)}`).toBe(true);
    }
    const order = (match: (s: (typeof stops)[number]) => boolean) => stops.findIndex(match);
    const picker = order((s) => s.id === 'service');
    const toggle = order((s) => s.id === 'data-toggle');
    const play = order((s) => s.cls.includes('ctl-play'));
    const timeline = order((s) => s.role === 'slider');
    expect(picker).toBeGreaterThanOrEqual(0);
    expect(toggle).toBeGreaterThan(picker);
    expect(play).toBeGreaterThan(toggle);
    expect(timeline).toBeGreaterThan(play);
    // The map comes after the controls it sits under, and its canvas is named.
    const map = order((s) => s.tag === 'canvas');
    expect(map).toBe(stops.length - 1);
    expect(stops[map]!.label).toMatch(/\S/);
  });

  it('moves the playhead from the timeline slider with arrows, Home and End', async () => {
    const server = await serverFor();
    const page = await pageFor();
    await page.goto(`${server.url}${PEAK}`);
    await waitForMap(page);
    await page.waitForFunction(() => document.querySelector('.timeline-plot')?.hasAttribute('aria-valuenow'), undefined, { timeout: 15_000 });
    await page.focus('.timeline-plot');
    const now = () => page.evaluate(() => Number(document.querySelector('.timeline-plot')!.getAttribute('aria-valuenow')));
    const start = await now();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((t) => Number(document.querySelector('.timeline-plot')!.getAttribute('aria-valuenow')) === t + 60_000, start, { timeout: 10_000 });
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((t) => Number(document.querySelector('.timeline-plot')!.getAttribute('aria-valuenow')) === t - 60_000, start, { timeout: 10_000 });
    const text = await page.getAttribute('.timeline-plot', 'aria-valuetext');
    expect(text).toMatch(/UTC/);
    await page.keyboard.press('Home');
    await page.waitForFunction(() => {
      const el = document.querySelector('.timeline-plot')!;
      return el.getAttribute('aria-valuenow') === el.getAttribute('aria-valuemin');
    }, undefined, { timeout: 10_000 });
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const el = document.querySelector('.timeline-plot')!;
      return Number(el.getAttribute('aria-valuemax')) - Number(el.getAttribute('aria-valuenow')) <= 60_000;
    }, undefined, { timeout: 10_000 });
    // Focus stayed on the slider through every seek and chart update.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('slider');
  });

  it('opens the table from its toggle and sorts it with Enter and Space on the column headers', async () => {
    const server = await serverFor();
    const page = await pageFor();
    await page.goto(`${server.url}${PEAK}`);
    await waitForMap(page);
    await page.waitForFunction(() => document.querySelectorAll('.top-row').length > 3, undefined, { timeout: 15_000 });
    await page.focus('#data-toggle');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#data-toggle', 'aria-expanded')).toBe('true');
    await page.waitForFunction(() => document.querySelectorAll('#data tbody tr').length > 10, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => document.querySelector('#data caption')?.textContent)).toMatch(/\S/);
    const column = (index: number) =>
      page.evaluate((i) => [...document.querySelectorAll('#data tbody tr')].map((tr) => tr.children[i]!.textContent!.trim()), index);
    const sortedOn = () => page.evaluate(() => [...document.querySelectorAll('#data th[aria-sort]')].map((th) => [th.className, th.getAttribute('aria-sort')]));
    const numbers = (texts: string[]) => texts.map((t) => Number(t.replace(/[^\d]/g, '')));
    expect(await sortedOn()).toEqual([['data-col-count', 'descending']]);
    const counts = numbers(await column(1));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    // Tab from the toggle into the table: the first header button is the country column.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('th')?.className)).toBe('data-col-name');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#data .data-col-name')?.getAttribute('aria-sort') === 'ascending');
    const names = await column(0);
    expect(names).toEqual([...names].sort(new Intl.Collator(undefined, { sensitivity: 'base' }).compare));
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#data .data-col-name')?.getAttribute('aria-sort') === 'descending');
    expect(await sortedOn()).toEqual([['data-col-name', 'descending']]);
    // Space sorted, it did not play the replay.
    expect(await page.evaluate(() => window.outageMap.playing())).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.closest('th')?.className)).toBe('data-col-name');
  });
});

describe('live announcements', () => {
  it('announces a country whose level changes, once, and not the first snapshot', async () => {
    const server = await serverFor();
    const page = await pageFor();
    const at = new Date(Date.now() - 30_000).toISOString();
    // Some history so a baseline exists; the first snapshot carries these levels silently.
    const seeded = await postJson(`${server.url}/api/ingest`, [{ service: 'a11y', country: 'FR', at, count: 3 }]);
    expect(seeded.status).toBeLessThan(300);
    await page.goto(`${server.url}/?service=a11y`);
    await waitForMap(page);
    await page.waitForFunction(() => (window.outageMap.states().FR?.count ?? 0) > 0, undefined, { timeout: 10_000 });
    // Longer than the gathering delay: the first snapshot said nothing.
    await page.waitForTimeout(1_500);
    expect(await page.textContent('#announcer')).toBe('');
    expect(await page.getAttribute('#announcer', 'aria-live')).toBe('polite');

    // The table is open and the keyboard is on one of its headers: frames must not move it.
    await page.click('#data-toggle');
    await page.focus('#data .data-col-count button');
    const res = await postJson(`${server.url}/api/ingest`, [{ service: 'a11y', country: 'JP', at: new Date().toISOString(), count: 2529 }]);
    expect(res.status).toBeLessThan(300);
    await page.waitForFunction(() => window.outageMap.states().JP?.level === 'outage', undefined, { timeout: 10_000 });
    // The words as a screen reader gets them: bidi isolates (around each value) and case aside.
    const expected = await page.evaluate(() => `${new Intl.DisplayNames(undefined, { type: 'region' }).of('JP')}: outage, ${new Intl.NumberFormat().format(2529)} reports`);
    const said = await page.waitForFunction(() => document.querySelector('#announcer')!.textContent!.replace(/[\u2066-\u2069]/g, '') || undefined, undefined, { timeout: 10_000 });
    expect(((await said.jsonValue()) as string).toLowerCase()).toBe(expected.toLowerCase());
    await page.waitForFunction(() => document.querySelector('#data tbody tr')?.getAttribute('data-code') === 'JP', undefined, { timeout: 5_000 });
    expect(await page.evaluate(() => document.activeElement?.closest('th')?.className)).toBe('data-col-count');
    // Said once: later frames with the same levels add nothing.
    const more = await postJson(`${server.url}/api/ingest`, [{ service: 'a11y', country: 'JP', at: new Date().toISOString(), count: 10 }]);
    expect(more.status, JSON.stringify(more.body)).toBeLessThan(300);
    await page.waitForFunction(() => (window.outageMap.states().JP?.count ?? 0) > 2529, undefined, { timeout: 10_000 });
    await page.waitForTimeout(1_500);
    expect((await page.textContent('#announcer'))!.replace(/[\u2066-\u2069]/g, '').toLowerCase()).toBe(expected.toLowerCase());
  }, 60_000);
});
