/**
 * Unattended-for-days check, compressed: a screen follows a channel whose producer replays the
 * Twitter outage at 3600x over and over (a fresh seek every 20 s) for `minutes`, with a network
 * blip every few minutes. The page's JS heap and the server's heap are measured after forced
 * garbage collection, once warmed up and at the end.
 */
import { ensureClientBuilt } from '../server/client-build.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';
import { startServer } from '../tests/helpers/server.ts';

export interface SoakBench {
  minutes: number;
  seeks: number;
  blips: number;
  pageHeapStartMb: number;
  pageHeapEndMb: number;
  serverHeapStartMb: number;
  serverHeapEndMb: number;
  /** Screen heap after GC every couple of minutes: a leak climbs, noise does not. */
  pageHeapSamplesMb: number[];
}

const TOKEN = 'soak-producer-token-0001';

export async function benchSoak(minutes = 10): Promise<SoakBench> {
  await ensureClientBuilt({ info: () => {} });
  const server = await startServer({ controlToken: TOKEN, frameMs: 250 }, { withClient: true, bundled: true });
  const browser = await launchBrowser();
  const seekTo = (t: number) =>
    fetch(`${server.url}/api/channels/soak`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ service: 'twitter', t, speed: 3600, playing: true }),
    });
  const start = Date.UTC(2022, 11, 28, 23, 30);
  try {
    await seekTo(start);
    const page = await browser.page(1280, 720);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const pageHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
    };
    const serverHeap = () => {
      global.gc?.();
      return process.memoryUsage().heapUsed / 2 ** 20;
    };
    await page.goto(`${server.url}/screen?channel=soak`);
    await page.waitForFunction(() => window.outageMap?.map?.loaded(), undefined, { timeout: 30_000 });
    // Warm up: a full cycle fills caches and JIT before the first measurement.
    await page.waitForTimeout(30_000);
    const pageHeapStartMb = await pageHeap();
    const serverHeapStartMb = serverHeap();
    const end = Date.now() + minutes * 60_000;
    let seeks = 0;
    let blips = 0;
    const pageHeapSamplesMb = [pageHeapStartMb];
    while (Date.now() < end) {
      await page.waitForTimeout(20_000);
      await seekTo(start);
      seeks++;
      if (seeks % 9 === 0) {
        // A network blip: drop every socket; the screen must reconnect and resume by itself.
        server.app.io.disconnectSockets(true);
        blips++;
      }
      if (seeks % 6 === 0) pageHeapSamplesMb.push(await pageHeap());
      process.stderr.write(`\r  soak: ${seeks} seeks, ${blips} blips, ${Math.round((end - Date.now()) / 1000)} s left   `);
    }
    process.stderr.write('\n');
    await page.waitForTimeout(5_000);
    const pageHeapEndMb = await pageHeap();
    pageHeapSamplesMb.push(pageHeapEndMb);
    return { minutes, seeks, blips, pageHeapStartMb, pageHeapEndMb, serverHeapStartMb, serverHeapEndMb: serverHeap(), pageHeapSamplesMb };
  } finally {
    await browser.close();
    await server.close();
  }
}
