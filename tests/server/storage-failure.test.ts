import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startServer, type RunningServer } from '../helpers/server.ts';

// A real full disk: a small tmpfs. Mounting one needs root (CI runs as root); elsewhere the test
// fails saying so, because a skipped test would be counted as a pass.
function mountSmallDisk(): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'outage-map-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

let server: RunningServer | undefined;
let mounted: string | undefined;
afterEach(async () => {
  await server?.close().catch(() => {});
  server = undefined;
  if (mounted) {
    execFileSync('umount', ['-l', mounted]);
    rmSync(mounted, { recursive: true, force: true });
    mounted = undefined;
  }
});

const CONTROL = 'a-long-enough-control-token';
const disk = mountSmallDisk();
if (disk) {
  execFileSync('umount', [disk]);
  rmSync(disk, { recursive: true, force: true });
}

describe('a full disk', () => {
  it('answers 503 on every write route, keeps the map, says so on /readyz, and recovers by itself', async () => {
    if (!disk) throw new Error('cannot mount a 3 MB tmpfs to fill: this test needs root (mount -t tmpfs), as CI has');
    mounted = mountSmallDisk()!;
    const dataDir = path.join(mounted, 'data');
    mkdirSync(dataDir);
    server = await startServer({ controlToken: CONTROL, dataDir }, { dataDir });
    const row = (i: number) => [{ service: 'twitter', country: 'US', at: Date.now() - i * 60_000, count: 1 }];
    expect((await postJson(`${server.url}/api/ingest`, row(0))).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    // Fill the disk to the last byte.
    const filler = path.join(mounted, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(3 * 1024 * 1024));
    } catch {
      // ENOSPC: full, as wanted.
    }
    const writes = async () => [
      await postJson(`${server!.url}/api/ingest`, Array.from({ length: 2000 }, (_, i) => row(i + 1)[0])),
      await postJson(`${server!.url}/api/reports`, { service: 'twitter', country: 'DE' }),
      await fetch(`${server!.url}/api/channels/wall`, { method: 'PUT', headers: { authorization: `Bearer ${CONTROL}`, 'content-type': 'application/json' }, body: JSON.stringify({ service: 'twitter', headline: 'x'.repeat(100) }) })
        .then(async (r) => ({ status: r.status, body: await r.json() })),
    ];
    for (const res of await writes()) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ ok: false, code: 'storage-unavailable' });
    }
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).storage.reason).toMatch(/full/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/live?service=twitter`)).status).toBe(200);

    rmSync(filler);
    // Writes resume by themselves: /readyz turns 200 once the store's probe succeeds again.
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${server.url}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('/readyz still 503 10 s after space returned');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const res of await writes()) expect(res.status).toBeLessThan(300);
  });
});
