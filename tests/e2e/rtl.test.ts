import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitForMap, useBrowser } from '../helpers/browser.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/** The peak of the bundled Twitter replay (28 December 2022). */
const PEAK = 1672275180000;
const TOKEN = 'producer-token-for-rtl-tests';
const browser = useBrowser();

async function serverFor(): Promise<RunningServer> {
  const server = await startServer({ frameMs: 250, controlToken: TOKEN }, { withClient: true, bundled: true });
  onTestFinished(() => server.close());
  return server;
}

async function pageFor(width: number, height: number): Promise<Page> {
  const page = await browser.page(width, height);
  onTestFinished(() => page.close());
  return page;
}

/**
 * Latin words in visible text and in aria-label/title attributes, other than the names a page may
 * keep in Latin script in Arabic: the brand, service names and codes (UTC, country codes).
 */
function latinWords(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const allowed = /^(outage-map|twitter|rogers|facebook|instagram|whatsapp|youtube|discord|downdetector|utc|gmt|[A-Z]{2}|shift|end|space|natural|earth|[a-z]?)$/i;
    const found = new Set<string>();
    const check = (text: string, where: string) => {
      for (const word of text.match(/[A-Za-z][A-Za-z'-]*/g) ?? []) if (!allowed.test(word)) found.add(`${word} (${where})`);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      // translate="no" marks proper names shown as published (a source's name).
      if (!parent || parent.closest('script, style, [hidden], .maplibregl-ctrl-attrib, [translate="no"]')) continue;
      const box = parent.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(parent).visibility === 'hidden') continue;
      check(node.textContent ?? '', parent.className || parent.tagName);
    }
    for (const el of document.querySelectorAll('[aria-label], [title]')) {
      if (el.closest('.maplibregl-ctrl-attrib')) continue;
      check(`${el.getAttribute('aria-label') ?? ''} ${el.getAttribute('title') ?? ''}`, `${el.tagName}@attr`);
    }
    check(document.title, 'title');
    return [...found];
  });
}

/** A producer's change to channel `name`, as the control page sends it. */
async function putChannel(server: RunningServer, name: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/api/channels/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

describe('right-to-left pages in Arabic', () => {
  it('sets lang and dir, leaves no English, and puts the top list at the inline start (the right)', async () => {
    const server = await serverFor();
    const page = await pageFor(1280, 800);
    await page.goto(`${server.url}/?service=twitter&t=${PEAK}&playing=0&lang=ar`);
    await waitForMap(page);
    await page.waitForSelector('html[lang="ar"][dir="rtl"]');
    // Rows in the top list and incidents in their list: the data has arrived and been written.
    await page.waitForFunction(() => document.querySelectorAll('.top-row').length > 0 && document.querySelectorAll('.incident').length > 0, undefined, {
      timeout: 15_000,
    });
    await page.waitForFunction(() => document.querySelector('.timeline .u-over') !== null, undefined, { timeout: 15_000 });
    await page.screenshot({ path: 'test-results/e2e-rtl-map.png' });

    expect(await latinWords(page)).toEqual([]);
    const layout = await page.evaluate(() => {
      const top = document.getElementById('top')!.getBoundingClientRect();
      return { left: top.left, right: top.right, width: window.innerWidth };
    });
    // Mirrored: the panel hugs the right edge, not the left.
    expect(layout.width - layout.right).toBeLessThan(layout.left);
    // The first country of the list is named in Arabic script.
    expect(await page.textContent('.top-row .top-name')).toMatch(/[\u0600-\u06FF]/);
  });

  it('runs the screen in Arabic with its legend labels inside the box', async () => {
    const server = await serverFor();
    const page = await pageFor(1920, 1080);
    await page.goto(`${server.url}/screen?service=twitter&lang=ar`);
    await waitForMap(page);
    await page.waitForSelector('html[lang="ar"][dir="rtl"]');
    await page.waitForFunction(() => (document.querySelector('.onair-label')?.textContent ?? '') !== '' && document.querySelectorAll('.legend-tick').length > 0, undefined, {
      timeout: 15_000,
    });
    await page.screenshot({ path: 'test-results/e2e-rtl-screen.png' });

    expect(await latinWords(page)).toEqual([]);
    const spill = await page.evaluate(() => {
      const box = document.querySelector('.legend')!.getBoundingClientRect();
      return [...document.querySelectorAll('.legend-tick')]
        .map((el) => el.getBoundingClientRect())
        .filter((r) => r.left < box.left - 1 || r.right > box.right + 1).length;
    });
    expect(spill).toBe(0);
  });

  it('runs the control page in Arabic: rtl, no English, arrows that step back to the right', async () => {
    const server = await serverFor();
    await putChannel(server, 'wall-1', { service: 'twitter', t: PEAK, playing: false });
    const page = await pageFor(1280, 800);
    // The token link keeps the language and the channel through the login redirect.
    await page.goto(`${server.url}/control?token=${TOKEN}&lang=ar&channel=wall-1`);
    expect(new URL(page.url()).search).toBe('?lang=ar&channel=wall-1');
    await page.waitForSelector('html[lang="ar"][dir="rtl"]');
    await page.waitForFunction(() => document.querySelectorAll('.incident').length > 0 && document.querySelector('.channel-row') !== null, undefined, {
      timeout: 15_000,
    });
    await page.screenshot({ path: 'test-results/e2e-rtl-control.png' });
    expect(await latinWords(page)).toEqual([]);
    // The footer's keys line reads back as →, forward as ←.
    expect(await page.textContent('#keys')).toMatch(/→\/←/);

    // → is back in time in right-to-left: the channel steps a minute earlier.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(async () => ((await (await fetch(`${server.url}/api/channels`)).json()).data as Array<{ t: number }>)[0]!.t, { timeout: 5_000 })
      .toBe(PEAK - 60_000);
  });

  it('switches a channel screen to the channel’s language, over its own ?lang=, and back', async () => {
    const server = await serverFor();
    await putChannel(server, 'wall-1', { service: 'twitter', t: PEAK, playing: false });
    const page = await pageFor(1280, 720);
    await page.goto(`${server.url}/screen?channel=wall-1&lang=fr`);
    await page.waitForSelector('html[lang="fr"][dir="ltr"]');
    await page.waitForFunction(() => (document.getElementById('headline')?.textContent ?? '') !== '', undefined, { timeout: 15_000 });

    // A newsroom in New York: Chromium names that zone "توقيت New York" in Arabic; the screen must not.
    await putChannel(server, 'wall-1', { locale: 'ar', timeZone: 'America/New_York' });
    await page.waitForSelector('html[lang="ar"][dir="rtl"]', { timeout: 10_000 });
    await page.waitForFunction(() => /[\u0600-\u06FF]/.test(document.getElementById('headline')?.textContent ?? ''), undefined, { timeout: 10_000 });
    expect(await page.textContent('.legend-title')).toMatch(/[\u0600-\u06FF]/);
    await page.waitForFunction(() => /[\u0600-\u06FF]/.test(document.getElementById('onair')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const onair = await page.innerText('#onair');
    expect(onair.match(/[A-Za-z]+/g)?.filter((w) => w !== 'UTC') ?? []).toEqual([]);

    // Cleared: the screen's own choice (its address) again.
    await putChannel(server, 'wall-1', { locale: null });
    await page.waitForSelector('html[lang="fr"][dir="ltr"]', { timeout: 10_000 });
  });
});
