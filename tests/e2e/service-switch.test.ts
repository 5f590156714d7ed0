import { describe, expect, it, onTestFinished } from 'vitest';
import { waitForMap, useBrowser } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';

const browser = useBrowser();
const LINK_T = Date.parse('2022-12-29T00:45:00Z');

describe('service picker during a replay', () => {
  it('keeps the moment, speed and pause when the viewer picks another service, and the URL follows', async () => {
    const server = await startServer({ frameMs: 250 }, { withClient: true, bundled: true });
    onTestFinished(() => server.close());
    const page = await browser.page(1280, 720);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}/?service=twitter&t=2022-12-29T00:45:00Z&speed=60&playing=0`);
    await waitForMap(page);
    await page.waitForFunction(() => window.outageMap.mode() === 'replay' && window.outageMap.snapshot()?.service === 'twitter', undefined, { timeout: 10_000 });

    await page.selectOption('#service', 'facebook');
    await page.waitForFunction(() => window.outageMap.snapshot()?.service === 'facebook', undefined, { timeout: 10_000 });

    const shown = await page.evaluate(() => ({
      mode: window.outageMap.mode(),
      t: window.outageMap.dataTime(),
      playing: window.outageMap.playing(),
      speed: window.outageMap.speed(),
      query: Object.fromEntries(new URLSearchParams(location.search)),
    }));
    expect(shown.mode).toBe('replay');
    expect(shown.t).toBe(LINK_T);
    expect(shown.playing).toBe(false);
    expect(shown.speed).toBe(60);
    expect(shown.query).toMatchObject({ service: 'facebook', speed: '60', playing: '0' });
    expect(Date.parse(shown.query.t!)).toBe(LINK_T);
  });

  it('keeps a playing replay playing at its speed from where it was, not live', async () => {
    const server = await startServer({ frameMs: 250 }, { withClient: true, bundled: true });
    onTestFinished(() => server.close());
    const page = await browser.page(1280, 720);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}/?service=twitter&t=2022-12-29T00:45:00Z&speed=60&playing=1`);
    await waitForMap(page);
    await page.waitForFunction(() => window.outageMap.mode() === 'replay' && window.outageMap.playing(), undefined, { timeout: 10_000 });

    await page.selectOption('#service', 'facebook');
    await page.waitForFunction(() => window.outageMap.snapshot()?.service === 'facebook', undefined, { timeout: 10_000 });
    const shown = await page.evaluate(() => ({ mode: window.outageMap.mode(), t: window.outageMap.dataTime(), playing: window.outageMap.playing(), speed: window.outageMap.speed() }));
    expect(shown.mode).toBe('replay');
    expect(shown.playing).toBe(true);
    expect(shown.speed).toBe(60);
    // 60x for the few seconds the page took: minutes past the link, years before now.
    expect(shown.t).toBeGreaterThan(LINK_T);
    expect(shown.t).toBeLessThan(LINK_T + 30 * 60_000);
    await page.waitForFunction(() => new URLSearchParams(location.search).get('service') === 'facebook' && new URLSearchParams(location.search).get('playing') === '1', undefined, { timeout: 5_000 });
  });
});
