import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { countryInfo } from '../../shared/countries.ts';
import { colourAt, colourDistance, waitForMap, useBrowser } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const TOKEN = 'producer-token-for-framing-tests';
const PEAK = 1_672_275_180_000;
/** The map's ocean on the dark theme (palette.ts), where a no-reports marker must not show. */
const OCEAN = [10, 18, 34];
const browser = useBrowser();

async function serverFor(): Promise<RunningServer> {
  const server = await startServer({ controlToken: TOKEN, frameMs: 250 }, { withClient: true, bundled: true });
  onTestFinished(() => server.close());
  return server;
}

async function pageFor(width: number, height: number): Promise<Page> {
  const page = await browser.page(width, height);
  onTestFinished(() => page.close());
  return page;
}

interface Placement {
  code: string;
  x: number;
  y: number;
  /** Inside the canvas (the title-safe area on a screen). */
  onScreen: boolean;
  /** Class names of the panels the point lies under. */
  under: string[];
}

/**
 * Where each country's centroid is drawn (the world copy nearest the map's centre, as a screen
 * framing across the Pacific draws it) and which panels cover that point.
 */
function placements(page: Page, codes: string[], panelSelector: string, inset: number): Promise<Placement[]> {
  const points = codes.map((code) => ({ code, at: countryInfo(code)!.lngLat }));
  return page.evaluate(
    ({ points, panelSelector, inset }) => {
      const { map } = window.outageMap;
      const centre = map.getCenter().lng;
      const panels = [...document.querySelectorAll<HTMLElement>(panelSelector)]
        .map((el) => ({ name: el.id || el.className, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.height > 0);
      const w = window.innerWidth;
      const h = window.innerHeight;
      return points.map(({ code, at: [lng, lat] }) => {
        const p = map.project([lng + 360 * Math.round((centre - lng) / 360), lat]);
        return {
          code,
          x: p.x,
          y: p.y,
          onScreen: p.x >= w * inset && p.x <= w * (1 - inset) && p.y >= h * inset && p.y <= h * (1 - inset),
          under: panels.filter(({ r }) => p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom).map(({ name }) => name),
        };
      });
    },
    { points, panelSelector, inset },
  );
}

const STORY = ['US', 'GB', 'JP'];

describe('framing and colour in Chromium', () => {
  it('shows the US, the UK and Japan clear of every panel at the Twitter peak, in distinct colours, with no marker where nobody reports', async () => {
    const server = await serverFor();
    for (const [w, h] of [[1280, 720], [1920, 1080]] as const) {
      const page = await pageFor(w, h);
      await page.goto(`${server.url}/?service=twitter&t=${PEAK}&playing=0`);
      await waitForMap(page);
      await page.waitForFunction(
        () =>
          window.outageMap.mode() === 'replay' &&
          (window.outageMap.states().US?.count ?? 0) > 10_000 &&
          document.querySelectorAll('.top-rows li').length === 10 &&
          document.querySelectorAll('.incidents-list li').length > 0,
        undefined,
        { timeout: 20_000 },
      );
      // Panels settle, the map refits to them; then the framing is read.
      await expect
        .poll(async () => (await placements(page, STORY, '.topbar, .chrome .panel', 0)).filter((p) => !p.onScreen || p.under.length > 0), { timeout: 15_000 })
        .toEqual([]);
      await page.waitForFunction(() => !window.outageMap.map.isMoving(), undefined, { timeout: 10_000 });
      const placed = await placements(page, STORY, '.topbar, .chrome .panel', 0);
      console.log(`[e2e] ${w}x${h}: ${placed.map((p) => `${p.code} (${Math.round(p.x)}, ${Math.round(p.y)})`).join(', ')}`);
      for (const p of placed) expect(p, p.code).toMatchObject({ onScreen: true, under: [] });
      await page.screenshot({ path: `test-results/e2e-framing-${w}x${h}.png` });

      // One world: where a second Japan would be (left or right of the first), nothing is drawn.
      const [jpLng, jpLat] = countryInfo('JP')!.lngLat;
      for (const d of [-360, 360]) {
        const inside = await page.evaluate(([lng, lat]) => {
          const p = window.outageMap.map.project([lng!, lat!]);
          return p.x >= 0 && p.x <= window.innerWidth && p.y >= 0 && p.y <= window.innerHeight;
        }, [jpLng + d, jpLat]);
        // Nothing is drawn outside the one world: the canvas is clear there (the page's ocean shows through).
        if (inside) expect(await colourAt(page, [jpLng + d, jpLat])).toEqual([0, 0, 0]);
      }

      // The UK (2,598) and Japan (2,395) against Canada (1,125): a clear step, not one orange (a plain
      // log scale drew them about 43 apart).
      const [gb, jp, ca] = await Promise.all(['GB', 'JP', 'CA'].map((c) => colourAt(page, countryInfo(c)!.lngLat)));
      console.log(`[e2e] ${w}x${h} colours: GB ${gb} JP ${jp} CA ${ca}`);
      expect(colourDistance(gb!, ca!)).toBeGreaterThan(50);
      expect(colourDistance(jp!, ca!)).toBeGreaterThan(50);

      // Bouvet Island has no shape and no reports: the ocean shows there, not a grey dot.
      expect(await page.evaluate(() => window.outageMap.states().BV?.count ?? 0)).toBe(0);
      expect(colourDistance(await colourAt(page, countryInfo('BV')!.lngLat), OCEAN)).toBeLessThan(12);
    }
  }, 120_000);

  it('keeps the view in the hash beside the moment in the query, and reopens a link on both', async () => {
    const server = await serverFor();
    const page = await pageFor(1280, 720);
    await page.goto(`${server.url}/?service=twitter&t=${PEAK}&playing=0#3/45/10`);
    await waitForMap(page);
    await page.waitForFunction(() => window.outageMap.mode() === 'replay', undefined, { timeout: 20_000 });
    const view = await page.evaluate(() => ({ zoom: window.outageMap.map.getZoom(), center: window.outageMap.map.getCenter().toArray() }));
    expect(view.zoom).toBeCloseTo(3, 1);
    expect(view.center[0]).toBeCloseTo(10, 0);
    expect(view.center[1]).toBeCloseTo(45, 0);
    // Moving the map rewrites the hash and leaves the query (the moment) alone.
    await page.evaluate(() => window.outageMap.map.jumpTo({ center: [139, 36], zoom: 4 }));
    await page.waitForFunction(() => location.hash.startsWith('#4/36/139'), undefined, { timeout: 5_000 });
    const url = new URL(page.url());
    expect(url.searchParams.get('service')).toBe('twitter');
    expect(url.searchParams.get('playing')).toBe('0');
  }, 60_000);

  it('shows the clock in the chosen zone and keeps the choice in the address (tz), so a copied link reopens it', async () => {
    const server = await serverFor();
    const page = await pageFor(1280, 720);
    // 00:53 UTC on 29 December is 19:53 on the 28th in New York (a newsroom's zone from the link).
    await page.goto(`${server.url}/?service=twitter&t=${PEAK}&playing=0&tz=America/New_York`);
    await waitForMap(page);
    const clock = () => page.textContent('.clock-utc').then((text) => text!.replace(/[\u2066-\u2069]/g, ''));
    await expect.poll(clock, { timeout: 10_000 }).toMatch(/\b0?7:53:00\sPM\b/);
    expect(await page.inputValue('.clock-zone')).toBe('newsroom');

    await page.selectOption('.clock-zone', 'utc');
    await expect.poll(clock).toMatch(/\b12:53:00\sAM\b/);
    await expect.poll(() => new URL(page.url()).searchParams.get('tz')).toBe(null);

    await page.selectOption('.clock-zone', 'viewer');
    await expect.poll(() => new URL(page.url()).searchParams.get('tz')).toBe('viewer');
    // The moment is untouched by the zone switch.
    expect(new URL(page.url()).searchParams.get('playing')).toBe('0');
    await page.reload();
    await waitForMap(page);
    expect(await page.inputValue('.clock-zone')).toBe('viewer');
  }, 60_000);
});
