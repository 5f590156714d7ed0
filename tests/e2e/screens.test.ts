import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useBrowser } from '../helpers/browser.ts';
import { startServer, tempDataDir, type RunningServer, type StartOptions } from '../helpers/server.ts';

const TOKEN = 'producer-token-for-e2e-tests';
const browser = useBrowser();

/** A server of its own for one test (closed when the test ends), with the bundled replays. */
async function serverFor(options: StartOptions = {}): Promise<RunningServer> {
  const server = await startServer({ controlToken: TOKEN, frameMs: 250 }, { withClient: true, bundled: true, ...options });
  onTestFinished(() => server.close());
  return server;
}

async function pageFor(width: number, height: number): Promise<Page> {
  const page = await browser.page(width, height);
  onTestFinished(() => page.close());
  return page;
}

function put(server: RunningServer, body: unknown) {
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
    const dataDir = tempDataDir();
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    let server = await startServer({ controlToken: TOKEN, frameMs: 250 }, { withClient: true, bundled: true, dataDir });
    onTestFinished(() => server.close());
    expect((await put(server, { service: 'twitter', headline: 'Twitter outage, 28 December 2022', timeZone: 'America/New_York' })).status).toBe(200);
    const [a, b] = [await pageFor(960, 540), await pageFor(960, 540)];
    for (const page of [a, b]) await page.goto(`${server.url}/screen?channel=newsroom`);
    for (const page of [a, b]) await waitForChannelVersion(page, 1);

    const peak = Date.UTC(2022, 11, 29, 0, 45);
    const seek = await put(server, { t: peak, speed: 60, playing: true });
    const version = ((await seek.json()) as { data: { version: number } }).data.version;
    for (const page of [a, b]) await waitForChannelVersion(page, version);
    // Each screen estimates its clock offset in a burst after connecting; wait until they agree.
    await expect.poll(() => spreadMs(a, b, true), { timeout: 10_000 }).toBeLessThan(100);
    const spreads: number[] = [];
    for (let i = 0; i < 5; i++) spreads.push(await spreadMs(a, b, true));
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
    server = await startServer({ controlToken: TOKEN, frameMs: 250 }, { withClient: true, bundled: true, dataDir, port });
    for (const page of [a, b]) await page.waitForFunction(() => window.outageMap.connection() === 'live', undefined, { timeout: 30_000 });
    await expect.poll(() => spreadMs(a, b, true), { timeout: 10_000 }).toBeLessThan(100);
    console.log(`[e2e] spread after the restart: ${(await spreadMs(a, b, true)).toFixed(1)} ms`);
    expect((await sample(b)).data).toBeGreaterThan(peak);
  }, 120_000);

  it('refuses /control without the token and opens it with the token', async () => {
    const server = await serverFor();
    const refused = await fetch(`${server.url}/control`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toMatch(/assets\/control/);
    const direct = await fetch(`${server.url}/control.html`);
    expect(direct.status).toBe(401);
    const page = await pageFor(1280, 800);
    const res = await page.goto(`${server.url}/control?token=${TOKEN}`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}/control`);
  });

  it('seeks from /control on the newsroom clock the field is labelled with', async () => {
    const server = await serverFor();
    expect((await put(server, { service: 'twitter', mode: 'replay', t: Date.UTC(2022, 11, 28, 22, 0), playing: false, timeZone: 'America/New_York' })).status).toBe(200);
    const page = await pageFor(1280, 800);
    await page.goto(`${server.url}/control?token=${TOKEN}&channel=newsroom`);
    // The field shows the channel's moment in New York (17:00 on the 28th), under a label naming the zone.
    await page.waitForFunction(() => (document.querySelector<HTMLInputElement>('.seek input')?.value ?? '') !== '', undefined, { timeout: 15_000 });
    expect(await page.inputValue('.seek input')).toBe('2022-12-28T17:00');
    // (The zone is isolated for bidirectional text, as every interpolated value is.)
    expect((await page.textContent('.seek-label'))?.replace(/[\u2068\u2069]/g, '')).toBe('Seek to (ET)');
    // 7:53 PM in New York is 00:53 UTC on the 29th, the peak.
    await page.fill('.seek input', '2022-12-28T19:53');
    await page.click('.seek button[type="submit"]');
    const channelT = async () => ((await (await fetch(`${server.url}/api/channels/newsroom`)).json()) as { data: { t: number } }).data.t;
    await expect.poll(channelT, { timeout: 5_000 }).toBe(Date.UTC(2022, 11, 29, 0, 53));
    // Another newsroom zone: the field follows it, and a seek is read on the new clock.
    expect((await put(server, { timeZone: 'Asia/Tokyo' })).status).toBe(200);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('.seek input')?.value === '2022-12-29T09:53', undefined, { timeout: 10_000 });
    await page.fill('.seek input', '2022-12-29T10:00');
    await page.click('.seek button[type="submit"]');
    await expect.poll(channelT, { timeout: 5_000 }).toBe(Date.UTC(2022, 11, 29, 1, 0));
  });

  it('frames only /embed, and only for the listed origins', async () => {
    const server = await serverFor();
    // The framing rule is one directive of the pages' whole policy (see tests/e2e/csp.test.ts).
    const frameAncestors = (res: Response) => res.headers.get('content-security-policy')?.split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors'));
    const embed = await fetch(`${server.url}/embed?service=twitter`);
    expect(frameAncestors(embed)).toBe("frame-ancestors 'self'");
    const home = await fetch(`${server.url}/`);
    expect(home.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const listed = await startServer({ embedOrigins: 'https://news.example, https://blog.example/path' }, { withClient: true });
    onTestFinished(() => listed.close());
    const allowed = await fetch(`${listed.url}/embed?service=twitter`);
    expect(frameAncestors(allowed)).toBe("frame-ancestors 'self' https://news.example https://blog.example");
    expect(allowed.headers.get('x-frame-options')).toBeNull();
    expect(frameAncestors(await fetch(`${listed.url}/screen`))).toBe("frame-ancestors 'self'");
  });

  it('renders the screen legibly at 1080p and 4K: big type, all text title-safe, nothing cut off', async () => {
    const server = await serverFor();
    const headline = 'Twitter outage, 28 December 2022: reports across the United States, Japan and Europe';
    await put(server, { service: 'twitter', t: Date.UTC(2022, 11, 29, 0, 50), playing: false, theme: 'dark', headline, timeZone: 'America/New_York' });
    for (const [w, h] of [[1920, 1080], [3840, 2160]] as const) {
      const page = await pageFor(w, h);
      await page.goto(`${server.url}/screen?channel=newsroom`);
      await page.waitForFunction(
        () => window.outageMap?.map?.loaded() && document.querySelectorAll('.counter:not([hidden])').length === 5 && document.querySelectorAll('.legend-tick').length > 2,
        undefined,
        { timeout: 30_000 },
      );
      await page.screenshot({ path: `test-results/e2e-screen-${w}x${h}.png` });
      const report = await page.evaluate(() => {
        const vw = window.innerWidth;
        const vh = window.innerHeight;
        const px = (selector: string) => parseFloat(getComputedStyle(document.querySelector(selector)!).fontSize) / vh;
        const texts = [...document.querySelectorAll<HTMLElement>('.headline, .onair-badge, .onair-time, .counter-name, .counter-count, .counter-rank, .source, .legend-title, .legend-tick')]
          .filter((el) => el.offsetParent !== null && el.textContent!.trim() !== '');
        const unsafe = texts
          .map((el) => ({ el, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.left < vw * 0.05 - 1 || r.right > vw * 0.95 + 1 || r.top < vh * 0.05 - 1 || r.bottom > vh * 0.95 + 1)
          .map(({ el }) => el.className);
        // Ellipsis on a long country name is by design; anything else must fit its box.
        const cut = texts.filter((el) => !el.classList.contains('counter-name') && el.scrollWidth > el.clientWidth + 1).map((el) => el.className);
        // Not only the listed pieces: every element with text of its own, whatever it is.
        const own = [...document.querySelectorAll<HTMLElement>('body *')].filter(
          (el) => el.offsetParent !== null && [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== ''),
        );
        const unsafeAny = own
          .map((el) => ({ el, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.left < vw * 0.05 - 1 || r.right > vw * 0.95 + 1 || r.top < vh * 0.05 - 1 || r.bottom > vh * 0.95 + 1)
          .map(({ el }) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent!.trim().slice(0, 30)}`);
        return { headline: px('.headline'), count: px('.counter-count'), name: px('.counter-name'), source: px('.source'), unsafe, unsafeAny, texts: own.length, cut, cursor: getComputedStyle(document.body).cursor };
      });
      // Read from across a room: the headline over 5% of the height, the counts over 4%, nothing under 2%.
      expect(report.headline).toBeGreaterThan(0.05);
      expect(report.count).toBeGreaterThan(0.04);
      expect(report.name).toBeGreaterThan(0.03);
      expect(report.source).toBeGreaterThan(0.02);
      expect(report.unsafe).toEqual([]);
      expect(report.texts).toBeGreaterThan(20);
      expect(report.unsafeAny).toEqual([]);
      expect(report.cut).toEqual([]);
      expect(report.cursor).toBe('none');
    }
  }, 90_000);

  it('frames the Twitter peak with the US, the UK and Japan clear of the counters at 1080p and 4K, and says it is a reconstruction', async () => {
    const server = await serverFor();
    await put(server, { service: 'twitter', t: 1_672_275_180_000, playing: false, theme: 'dark' });
    const story: Array<[string, [number, number]]> = [
      ['US', [-97, 38]],
      ['GB', [-2, 54]],
      ['JP', [138, 36]],
    ];
    for (const [w, h] of [[1920, 1080], [3840, 2160]] as const) {
      const page = await pageFor(w, h);
      await page.goto(`${server.url}/screen?channel=newsroom`);
      await page.waitForFunction(() => window.outageMap?.map?.loaded() && document.querySelectorAll('.counter:not([hidden])').length === 5, undefined, { timeout: 30_000 });
      // The camera cuts to the world, then moves to the hot countries over a few seconds.
      const clear = () =>
        page.evaluate((points) => {
          const { map } = window.outageMap;
          const panels = [...document.querySelectorAll<HTMLElement>('#head, #counters, .foot > *')].map((el) => el.getBoundingClientRect());
          // A frame across the Pacific draws world copies side by side: the country counts as shown
          // when one of its copies is in the title-safe area and under no panel.
          return points
            .map(([code, [lng, lat]]) => {
              const shown = [-360, 0, 360].some((d) => {
                const p = map.project([lng + d, lat]);
                const onScreen = p.x >= innerWidth * 0.05 && p.x <= innerWidth * 0.95 && p.y >= innerHeight * 0.05 && p.y <= innerHeight * 0.95;
                return onScreen && !panels.some((r) => p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom);
              });
              return shown && !map.isMoving() ? '' : code;
            })
            .filter(Boolean);
        }, story);
      await expect.poll(clear, { timeout: 25_000, interval: 500 }).toEqual([]);
      // One copy of the world: the frame across the Pacific draws copies, and the canvas under the
      // counters would show a second America and a second Brazil; each country shows exactly once.
      const copies = await page.evaluate((points) => {
        const { map } = window.outageMap;
        const masks = [...document.querySelectorAll<HTMLElement>('.world-mask:not([hidden])')].map((el) => el.getBoundingClientRect());
        return points.map(([code, [lng, lat]]) => {
          const seen = [-720, -360, 0, 360, 720].filter((d) => {
            const p = map.project([lng + d, lat]);
            return p.x >= 0 && p.x <= innerWidth && !masks.some((r) => p.x >= r.left && p.x <= r.right);
          });
          return `${code}:${seen.length}`;
        });
      }, [...story, ['BR', [-52, -10]]] as Array<[string, [number, number]]>);
      expect(copies).toEqual(['US:1', 'GB:1', 'JP:1', 'BR:1']);
      await page.screenshot({ path: `test-results/e2e-screen-peak-${w}x${h}.png` });
      const source = (await page.textContent('#source'))!.replace(/[\u2068\u2069]/g, '');
      expect(source).toContain('Reconstructed from press reports');
      expect(source).toContain('Reuters');
    }
  }, 120_000);
});
