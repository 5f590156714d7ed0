import { describe, expect, it, onTestFinished } from 'vitest';
import { waitForMap, useBrowser } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const browser = useBrowser();
const HOUR = 3_600_000;
const LABELS = { en: 'Simulated clock', ar: 'ساعة المحاكاة', fr: 'Horloge simulée' } as const;

/** Leases Twitter's live clock to a "simulator" six hours in the past, as `npm run simulate` does. */
async function simulate(server: RunningServer): Promise<void> {
  const res = await fetch(`${server.url}/api/simulation/twitter`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ t: Date.now() - 6 * HOUR, speed: 60, ttlMs: 600_000 }),
  });
  expect(res.status).toBe(200);
}

/** The visible text of an element (runs in the page), bidi isolates stripped. */
function visibleText(selector: string): string {
  const el = document.querySelector<HTMLElement>(selector);
  return el ? el.innerText.replace(/[\u2066-\u2069]/g, '') : '';
}

describe('simulated clock', () => {
  for (const lang of ['en', 'ar', 'fr'] as const) {
    it(`says the header clock is the simulated one while a simulator drives it, in ${lang}`, async () => {
      const server = await startServer({ frameMs: 250 }, { withClient: true });
      onTestFinished(() => server.close());
      await simulate(server);
      const page = await browser.page(1280, 720);
      onTestFinished(() => page.close());
      await page.goto(`${server.url}/?service=twitter&lang=${lang}`);
      await waitForMap(page);
      await page.waitForFunction(() => window.outageMap.snapshot()?.clock.simulated === true);
      // The label sits in the clock itself, before the time it qualifies.
      await page.waitForFunction((label) => document.querySelector<HTMLElement>('#clock')!.innerText.includes(label), LABELS[lang], { timeout: 5_000 });
      const clock = await page.evaluate(visibleText, '#clock');
      expect(clock.indexOf(LABELS[lang])).toBeLessThan(clock.search(/\d/));
      await page.screenshot({ path: `test-results/e2e-sim-clock-${lang}.png` });

      // Another service runs on the wall clock: no label.
      await page.selectOption('#service', 'facebook');
      await page.waitForFunction(() => window.outageMap.snapshot()?.service === 'facebook' && window.outageMap.snapshot()?.clock.simulated === false);
      await page.waitForFunction((label) => !document.querySelector<HTMLElement>('#clock')!.innerText.includes(label), LABELS[lang], { timeout: 5_000 });
    });
  }

  for (const lang of ['en', 'ar'] as const) {
    it(`says the on-air time of a screen is the simulated clock, in ${lang}`, async () => {
      const server = await startServer({ frameMs: 250 }, { withClient: true });
      onTestFinished(() => server.close());
      await simulate(server);
      const page = await browser.page(1920, 1080);
      onTestFinished(() => page.close());
      await page.goto(`${server.url}/screen?service=twitter&lang=${lang}`);
      await waitForMap(page);
      await page.waitForFunction(() => window.outageMap.snapshot()?.clock.simulated === true);
      await page.waitForFunction((label) => document.querySelector<HTMLElement>('.onair-time')!.innerText.includes(label), LABELS[lang], { timeout: 5_000 });
      await page.screenshot({ path: `test-results/e2e-sim-clock-screen-${lang}.png` });
    });
  }

  it('leaves a screen on the wall clock unlabelled', async () => {
    const server = await startServer({ frameMs: 250 }, { withClient: true });
    onTestFinished(() => server.close());
    await simulate(server);
    const page = await browser.page(1920, 1080);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}/screen?service=facebook`);
    await waitForMap(page);
    await page.waitForFunction(() => /\d/.test(document.querySelector<HTMLElement>('.onair-time')!.innerText));
    expect(await page.evaluate(visibleText, '.onair')).not.toContain(LABELS.en);
  });
});
