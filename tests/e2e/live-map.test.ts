import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuilt } from '../../server/client-build.ts';
import { heatColor, heatOf } from '../../shared/heat.ts';
import { hexToRgb, colourAt, colourDistance, launchBrowser, waitForMap, type Browser } from '../helpers/browser.ts';
import { postJson, startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer;
let browser: Browser;
const JAPAN: [number, number] = [138.5, 36.5];

beforeAll(async () => {
  await ensureClientBuilt({ info: (m: string) => console.log(`[e2e] ${m}`) });
  server = await startServer({ frameMs: 250 }, { withClient: true });
  browser = await launchBrowser();
  mkdirSync('test-results', { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('live map in Chromium', () => {
  it('colours Japan within seconds of reports for Japan', async () => {
    const page = await browser.page(1280, 720);
    await page.goto(`${server.url}/?service=twitter`);
    await waitForMap(page);
    const before = await colourAt(page, JAPAN);

    const at = Date.now();
    const res = await postJson(`${server.url}/api/ingest`, [{ service: 'twitter', country: 'JP', at, count: 2500 }]);
    expect(res.status).toBe(200);

    await page.waitForFunction(() => window.outageMap.states().JP?.count === 2500, undefined, { timeout: 5_000 });
    const expected = hexToRgb(heatColor(heatOf(2500, 10_000)));
    // The tween eases in over well under a second; poll the canvas until Japan shows the heat.
    let after = before;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      after = await colourAt(page, JAPAN);
      if (colourDistance(after, expected) < 40) break;
      await page.waitForTimeout(100);
    }
    await page.screenshot({ path: 'test-results/e2e-live-map.png' });
    expect(colourDistance(before, after)).toBeGreaterThan(60);
    expect(colourDistance(after, expected)).toBeLessThan(40);
    await page.close();
  });
});
