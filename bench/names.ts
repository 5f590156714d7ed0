/**
 * Heap growth under 100k invented names (issue 10): anonymous GETs of /api/incidents, /api/live
 * and /api/timeline, and Socket.IO watches, each with a service name never seen before. A
 * caching bug keyed by client input grows the heap by tens of MB here; bounded caches do not.
 * Baseline: the same number of requests for one known service. The server runs in this process
 * (node --expose-gc, which `npm run bench` passes) so its heap can be read after a forced GC.
 */
import { connectClient, startServer, watch } from '../tests/helpers/server.ts';

export interface NamesBench {
  names: number;
  heapStartMb: number;
  heapAfterKnownMb: number;
  heapAfterNamesMb: number;
  statuses: Record<string, number>;
  refusedWatches: number;
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

async function hammer(url: string, paths: (i: number) => string, count: number, statuses: Record<string, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${url}${paths(i)}`);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

export async function benchNames(names = 100_000): Promise<NamesBench> {
  if (!(globalThis as { gc?: unknown }).gc) throw new Error('run with node --expose-gc (npm run bench does)');
  const server = await startServer({ logLevel: 'silent' });
  const statuses: Record<string, number> = {};
  const routes = ['/api/incidents?service=', '/api/live?service=', '/api/timeline?service='];
  try {
    const heapStartMb = heapMb();
    await hammer(server.url, (i) => `${routes[i % routes.length]}twitter`, names, {});
    const heapAfterKnownMb = heapMb();
    await hammer(server.url, (i) => `${routes[i % routes.length]}invented-${i}`, names, statuses);
    const socket = connectClient(server.url);
    let refusedWatches = 0;
    for (let i = 0; i < Math.min(names, 10_000); i++) {
      const ack = await watch(socket, { service: `watched-${i}` });
      if (!ack.ok) refusedWatches++;
    }
    socket.disconnect();
    const heapAfterNamesMb = heapMb();
    return { names, heapStartMb, heapAfterKnownMb, heapAfterNamesMb, statuses, refusedWatches };
  } finally {
    await server.close();
  }
}
