/**
 * A load generator in its own process (one process cannot both load and serve fairly on two
 * cores): `concurrency` loops POST one-row ingests to `url` for `seconds`, then print JSON.
 * node:http with a keep-alive agent: it is several times lighter per request than fetch.
 */
import http from 'node:http';

const [url, secondsArg, concurrencyArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const concurrency = Number(concurrencyArg ?? 50);
const end = Date.now() + seconds * 1000;
const base = Date.now() - 24 * 3600_000;
const countries = ['US', 'JP', 'GB', 'DE', 'FR', 'BR', 'IN', 'CA'];
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL('/api/ingest', url);
let ok = 0;
let failed = 0;
let i = 0;

function post(body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function loop(): Promise<void> {
  while (Date.now() < end) {
    const n = i++;
    const status = await post(JSON.stringify([{ service: 'bench', country: countries[n % countries.length], at: base + (n % 1440) * 60_000, count: 1 }]));
    if (status === 200) ok++;
    else failed++;
  }
}

await Promise.all(Array.from({ length: concurrency }, loop));
agent.destroy();
console.log(JSON.stringify({ ok, failed, seconds }));
