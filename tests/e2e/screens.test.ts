import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuilt } from '../../server/client-build.ts';
import { launchBrowser, type Browser } from '../helpers/browser.ts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';

const TOKEN = 'producer-token-for-e2e-tests';
let server: RunningServer;
let browser: Browser;
const dataDir = tempDataDir();

async function startOn(port?: number): Promise<RunningServer> {
  return startServer({ controlToken: TOKEN, frameMs: 250 }, { withClient: true, bundled: true, dataDir, port });
}

beforeAll(async () => {
  await ensureClientBuilt({ info: (m: string) => console.log(`[e2e] ${m}`) });
  server = await startOn();
  browser = await launchBrowser();
  mkdirSync('test-results', { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function put(body: unknown) {
  return fetch(`${server.url}/api/channels/newsroom`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
}

/** The page's data time and the wall clock it was read at, in one evaluation. */
function sample(page: Page): Promise<{ data: number; wall: number; speed: number }> {
  return page.evaluate(() => ({ data: window.outageMap.dataTime(), wall: Date.now(), speed: window.outageMap.channel()?.speed ?? 1 }));
}

/** Data-time spread of two screens, in wall-clock ms, both brought to the same wall instant. */
async function spreadMs(a: Page, b: Page, playing: boolean): Promise<number> {
  const [sa, sb] = await Promise.all([sample(a), sample(b)]);
  const speed = playing ? sa.speed : 0;
  const aAtB = sa.data + (sb.wall - sa.wall) * speed;
  return Math.abs(aAtB - sb.data) / Math.max(1, speed);
}

async function waitForChannelVersion(page: Page, version: number): Promise<void> {
  await page.waitForFunction((v) => (window.outageMap?.channel()?.version ?? 0) >= v, version, { timeout: 15_000 });
}

describe('newsroom screens in Chromium', () => {
  it('keeps two screens of a channel in step through a seek and a server restart', async () => {
    expect((await put({ service: 'twitter', headline: 'Twitter outage, 28 December 2022', timeZone: 'America/New_York' })).status).toBe(200);
    const [a, b] = [await browser.page(960, 540), await browser.page(960, 540)];
    for (const page of [a, b]) await page.goto(`${server.url}/screen?channel=newsroom`);
    for (const page of [a, b]) await waitForChannelVersion(page, 1);

    const peak = Date.UTC(2022, 11, 29, 0, 45);
    const seek = await put({ t: peak, speed: 60, playing: true });
    const version = ((await seek.json()) as { data: { version: number } }).data.version;
    for (const page of [a, b]) await waitForChannelVersion(page, version);
    await a.waitForTimeout(1500);
    const spreads: number[] = [];
    for (let i = 0; i < 5; i++) {
      spreads.push(await spreadMs(a, b, true));
      await a.waitForTimeout(200);
    }
    console.log(`[e2e] data-time spread between screens after the seek: ${spreads.map((s) => s.toFixed(1)).join(', ')} ms`);
    for (const s of spreads) expect(s).toBeLessThan(100);
    const { data } = await sample(a);
    expect(data).toBeGreaterThan(peak);
    expect(data).toBeLessThan(peak + 60 * 60_000);

    // The server goes away and comes back on the same port: the screens resume by themselves.
    const port = Number(new URL(server.url).port);
    await server.close();
    for (const page of [a, b]) await page.waitForFunction(() => window.outageMap.connection() !== 'live', undefined, { timeout: 15_000 });
    await a.screenshot({ path: 'test-results/e2e-screen-disconnected.png' });
    server = await startOn(port);
    for (const page of [a, b]) await page.waitForFunction(() => window.outageMap.connection() === 'live', undefined, { timeout: 30_000 });
    await a.waitForTimeout(1000);
    const after = await spreadMs(a, b, true);
    console.log(`[e2e] spread after the restart: ${after.toFixed(1)} ms`);
    expect(after).toBeLessThan(100);
    expect((await sample(b)).data).toBeGreaterThan(peak);
    await a.close();
    await b.close();
  }, 120_000);

  it('refuses /control without the token and opens it with the token', async () => {
    const refused = await fetch(`${server.url}/control`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toMatch(/assets\/control/);
    const direct = await fetch(`${server.url}/control.html`);
    expect(direct.status).toBe(401);
    const page = await browser.page(1280, 800);
    const res = await page.goto(`${server.url}/control?token=${TOKEN}`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}/control`);
    await page.close();
  });

  it('frames only /embed, and only for the listed origins', async () => {
    const embed = await fetch(`${server.url}/embed?service=twitter`);
    expect(embed.headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    const home = await fetch(`${server.url}/`);
    expect(home.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const listed = await startServer({ embedOrigins: 'https://news.example, https://blog.example/path' }, { withClient: true });
    try {
      const allowed = await fetch(`${listed.url}/embed?service=twitter`);
      expect(allowed.headers.get('content-security-policy')).toBe("frame-ancestors 'self' https://news.example https://blog.example");
      expect(allowed.headers.get('x-frame-options')).toBeNull();
      expect((await fetch(`${listed.url}/screen`)).headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    } finally {
      await listed.close();
    }
  });

  it('renders the screen legibly at 1080p and 4K', async () => {
    await put({ t: Date.UTC(2022, 11, 29, 0, 50), playing: false, theme: 'dark' });
    for (const [w, h] of [[1920, 1080], [3840, 2160]] as const) {
      const page = await browser.page(w, h);
      await page.goto(`${server.url}/screen?channel=newsroom`);
      await page.waitForFunction(() => window.outageMap?.map?.loaded() && Object.keys(window.outageMap.states()).length > 5, undefined, { timeout: 30_000 });
      await page.waitForTimeout(6000);
      await page.screenshot({ path: `test-results/e2e-screen-${w}x${h}.png` });
      // No cursor on a kiosk.
      expect(await page.evaluate(() => getComputedStyle(document.body).cursor)).toBe('none');
      await page.close();
    }
  }, 90_000);
});
