import { describe, expect, it, onTestFinished } from 'vitest';
import { heatColor, heatOf } from '../../shared/heat.ts';
import { hexToRgb, colourAt, colourDistance, waitForColour, waitForMap, useBrowser } from '../helpers/browser.ts';
import { postJson, startServer } from '../helpers/server.ts';

const browser = useBrowser();
const JAPAN: [number, number] = [138.5, 36.5];

describe('live map in Chromium', () => {
  it('colours Japan within seconds of reports for Japan', async () => {
    const server = await startServer({ frameMs: 250 }, { withClient: true });
    onTestFinished(() => server.close());
    const page = await browser.page(1280, 720);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}/?service=twitter`);
    await waitForMap(page);
    const before = await colourAt(page, JAPAN);

    const at = Date.now();
    const res = await postJson(`${server.url}/api/ingest`, [{ service: 'twitter', country: 'JP', at, count: 2500 }]);
    expect(res.status).toBe(200);

    await page.waitForFunction(() => window.outageMap.states().JP?.count === 2500, undefined, { timeout: 5_000 });
    const expected = hexToRgb(heatColor(heatOf(2500, 10_000)));
    // The tween eases in over well under a second.
    const after = await waitForColour(page, JAPAN, expected, 40, 5_000);
    await page.screenshot({ path: 'test-results/e2e-live-map.png' });
    expect(colourDistance(before, after)).toBeGreaterThan(60);
  });
});
