import { describe, expect, it, onTestFinished } from 'vitest';
import { heatColor } from '../../shared/heat.ts';
import { DARK_PALETTE } from '../../client/map/palette.ts';
import { colourAt, colourDistance, hexToRgb, waitForColour, waitForMap, useBrowser } from '../helpers/browser.ts';
import { postJson, startServer } from '../helpers/server.ts';

const browser = useBrowser();
/** Malta island, well inside its coast. */
const MALTA: [number, number] = [14.42, 35.89];
/** Where world-countries puts Malta's centre, and its circle sat: the sea off the east coast. */
const OFFSHORE: [number, number] = [14.5833, 35.8333];

describe('Malta at zoom 7', () => {
  it('shows the island in its heat colour and no circle in the sea beside it', { timeout: 60_000 }, async () => {
    const server = await startServer({ frameMs: 250 }, { withClient: true });
    onTestFinished(() => server.close());
    // Past the heat scale's top, so the island and any circle would both be the hottest colour.
    expect((await postJson(`${server.url}/api/ingest`, [{ service: 'twitter', country: 'MT', at: Date.now(), count: 20_000 }])).status).toBe(200);
    const page = await browser.page(1280, 720);
    onTestFinished(() => page.close());
    await page.goto(`${server.url}/?service=twitter#7/35.9/14.45`);
    await waitForMap(page);
    await page.waitForFunction(() => (window.outageMap.states().MT?.count ?? 0) > 0, undefined, { timeout: 10_000 });
    const hot = hexToRgb(heatColor(1));
    await page.screenshot({ path: 'test-results/e2e-malta-zoom7.png' });
    await waitForColour(page, MALTA, hot, 30);
    // The island is at its colour, so the tween is done: a circle, if drawn, is at full size too.
    await page.screenshot({ path: 'test-results/e2e-malta-zoom7.png' });
    const offshore = await colourAt(page, OFFSHORE);
    expect(colourDistance(offshore, hexToRgb(DARK_PALETTE.ocean))).toBeLessThan(20);
  });
});
