import { describe, expect, it, onTestFinished } from 'vitest';
import { waitForMap, useBrowser } from '../helpers/browser.ts';
import { startServer } from '../helpers/server.ts';

const browser = useBrowser();
const CONTROL = 'a-long-enough-control-token';

describe('the pages under their Content-Security-Policy', () => {
  it.each([
    ['the map', '/?service=twitter', true],
    ['a screen', '/screen?service=twitter', true],
    ['the embed', '/embed?service=twitter', true],
    ['the control page', `/control?token=${CONTROL}`, false],
    ['the control refusal', '/control?token=wrong-token-of-enough-length', false],
  ])('renders %s with no CSP violation', async (_name, path, map) => {
    const server = await startServer({ frameMs: 250, controlToken: CONTROL }, { withClient: true });
    onTestFinished(() => server.close());
    const page = await browser.page(800, 500);
    onTestFinished(() => page.close());
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    // Listens before any page script runs, so nothing is missed.
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { reportViolation(t: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const res = await page.goto(`${server.url}${path}`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    if (map) await waitForMap(page);
    else await page.waitForLoadState('networkidle');
    // Some violations (a worker's, a late style) are reported after load.
    await page.waitForTimeout(500);
    expect(violations).toEqual([]);
    // The listener works: an inline style injected now is refused and reported.
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { outline: 1px solid red }';
      document.head.append(style);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
  });
});
