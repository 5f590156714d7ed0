import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ensureClientBuilt } from '../../server/client-build.ts';

/** The sizes every page is looked at: a phone, a laptop, a 1080p and a 4K screen. */
export const SIZES = [
  [390, 844],
  [1280, 720],
  [1920, 1080],
  [3840, 2160],
] as const;

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Flags seen to work with Debian's Chromium here (TOOLCHAIN.md): software GL through SwiftShader,
// and nothing that phones home, since this machine's network refuses it.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

export interface Browser {
  context: BrowserContext;
  page(width?: number, height?: number): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'outage-map-e2e-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 720 } });
  return {
    context,
    async page(width = 1280, height = 720) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The Chromium of a browser test file, called at the file's top level: builds the page if it is
 * stale and opens the browser before the file's tests, closes it after. The returned handle
 * opens pages only once that has happened.
 */
export function useBrowser(): Pick<Browser, 'page'> {
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureClientBuilt({ info: (m: string) => console.log(`[e2e] ${m}`) });
    browser = await launchBrowser();
    mkdirSync('test-results', { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });
  return { page: (width, height) => browser!.page(width, height) };
}

/** Waits for the app's test handle and the map's first complete render. */
export async function waitForMap(page: Page): Promise<void> {
  await page.waitForFunction(() => window.outageMap?.map?.loaded() && window.outageMap.connection() === 'live', undefined, { timeout: 30_000 });
}

interface PatchQuery {
  at: [number, number];
  /** With a colour, answers the patch only once it is within `max` of it (else false). */
  want?: number[];
  max?: number;
}

/** Mean RGB of a 5x5 patch of the map canvas around a longitude/latitude (runs in the page). */
function patchColour({ at, want, max = 0 }: PatchQuery): [number, number, number] | false {
  const { map } = window.outageMap;
  const canvas = map.getCanvas();
  const ratio = canvas.width / canvas.clientWidth;
  const p = map.project(at);
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const ctx = copy.getContext('2d')!;
  ctx.drawImage(canvas, 0, 0);
  const data = ctx.getImageData(Math.round(p.x * ratio) - 2, Math.round(p.y * ratio) - 2, 5, 5).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
  const colour = sum.map((v) => Math.round(v / 25)) as [number, number, number];
  if (!want) return colour;
  return Math.hypot(colour[0] - want[0]!, colour[1] - want[1]!, colour[2] - want[2]!) < max ? colour : false;
}

export async function colourAt(page: Page, lngLat: [number, number]): Promise<[number, number, number]> {
  return (await page.evaluate(patchColour, { at: lngLat })) as [number, number, number];
}

/**
 * Waits until the map shows a colour within `maxDistance` of `expected` at `lngLat` (the tween
 * eases into it), checking ten times a second; resolves with the colour seen.
 */
export async function waitForColour(page: Page, lngLat: [number, number], expected: readonly number[], maxDistance: number, timeout = 10_000): Promise<[number, number, number]> {
  const handle = await page.waitForFunction(patchColour, { at: lngLat, want: [...expected], max: maxDistance }, { timeout, polling: 100 });
  return (await handle.jsonValue()) as [number, number, number];
}

export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

export function hexToRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}
