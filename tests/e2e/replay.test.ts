import { describe, expect, it, onTestFinished } from 'vitest';
import { heatColor } from '../../shared/heat.ts';
import { hexToRgb, waitForColour, waitForMap, useBrowser } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';

const browser = useBrowser();
/** Kansas: well inside the United States at any zoom the page fits the world to. */
const US: [number, number] = [-98, 39];
const LINK_T = Date.parse('2022-12-29T00:45:00Z');
const LINK = '/?service=twitter&t=2022-12-29T00:45:00Z&speed=60&playing=0';

describe('replay link in Chromium', () => {
  it('opens a shared link on the same paused frame, and space plays it on', async () => {
    const server = await startServer({ frameMs: 250 }, { withClient: true, bundled: true });
    onTestFinished(() => server.close());
    const page = await browser.page(1280, 720);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}${LINK}`);
    await waitForMap(page);
    await page.waitForFunction(() => window.outageMap.mode() === 'replay' && (window.outageMap.states().US?.count ?? 0) > 0, undefined, {
      timeout: 10_000,
    });

    // The same moment as the link, paused, and said so in the header in UTC.
    const opened = await page.evaluate(() => ({ t: window.outageMap.dataTime(), playing: window.outageMap.playing() }));
    expect(Math.abs(opened.t - LINK_T)).toBeLessThan(60_000);
    expect(opened.playing).toBe(false);
    // Formatted in the page, so the check holds in any locale ("00:45:00" or "12:45:00 AM").
    const expected = await page.evaluate(
      (t) => new Intl.DateTimeFormat(document.documentElement.lang, { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(t),
      LINK_T,
    );
    // The clock's zone is the switch beside it (UTC unless the reader picks another); bidi isolates stripped.
    expect((await page.textContent('.clock-utc'))!.replace(/[\u2066-\u2069]/g, '')).toContain(expected);
    expect(await page.inputValue('.clock-zone')).toBe('utc');
    expect(await page.evaluate(() => document.querySelector<HTMLSelectElement>('.clock-zone')!.selectedOptions[0]!.label)).toBe('UTC');

    // The United States is past the hottest colour's count at 00:45 UTC; the tween eases into it.
    await waitForColour(page, US, hexToRgb(heatColor(1)), 30);
    await page.screenshot({ path: 'test-results/e2e-replay-link.png' });

    // Space plays at the link's 60x: a couple of wall seconds move the data time by minutes.
    await page.keyboard.press('Space');
    await page.waitForFunction((t0) => window.outageMap.playing() && window.outageMap.dataTime() > t0 + 60_000, opened.t, {
      timeout: 10_000,
    });
    await page.waitForFunction(() => new URLSearchParams(location.search).get('playing') === '1', undefined, { timeout: 5_000 });
  });
});
