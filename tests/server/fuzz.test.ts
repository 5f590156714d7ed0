import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server.ts';

// Inputs thrown at a running server; every answer must be a 2xx-4xx, and the stored counts
// exactly what the valid inputs among them made.
let server: RunningServer;
let tried = 0;
const fives: string[] = [];
const CONTROL = 'a-long-enough-control-token';

beforeAll(async () => {
  server = await startServer({ controlToken: CONTROL, logLevel: 'silent' }, { withClient: true });
});
afterAll(async () => {
  await server?.close();
  console.log(`fuzz: ${tried} inputs, ${fives.length} answers 5xx`);
});

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** Sends exactly these bytes; resolves with the status, or 0 when the server cut the connection. */
function send({ method, path, headers = {}, body }: Sent): Promise<number> {
  const { hostname, port } = new URL(server.url);
  tried++;
  return new Promise((resolve) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode! >= 500) fives.push(`${method} ${path} -> ${res.statusCode}`);
        resolve(res.statusCode!);
      });
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const ROUTES = ['/api/reports', '/api/ingest', '/api/live', '/api/history', '/api/timeline', '/api/incidents', '/api/services', '/api/geo', '/api/channels', '/api/channels/wall', '/api/simulation/twitter', '/api/simulation/twitter/ingest', '/healthz', '/readyz', '/metrics', '/', '/screen', '/embed', '/control', '/control.html', '/assets/x.js', '/socket.io/'];
const CONTENT_TYPES = ['application/json', 'text/csv', 'application/x-ndjson', 'text/plain', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ''];
const ENCODINGS = ['', 'gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, gzip'];

const pathSegment = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('%', '%E0', '%00', '%2e', '%2f', '%5c', '..', '.', '', '%%', '%FF%FE', '__proto__', 'constructor', '%C0%AE', '~sim', 'twitter~sim'),
  fc.string({ unit: 'binary', maxLength: 6 }).map(encodeURIComponent),
);
const oddPath = fc.tuple(fc.constantFrom(...ROUTES), fc.array(pathSegment, { maxLength: 3 }), fc.option(fc.string({ maxLength: 40 }).map((q) => q.replace(/[\s#]/g, '')), { nil: undefined }))
  .map(([route, extra, query]) => `${route}${extra.length ? `/${extra.join('/')}` : ''}${query !== undefined ? `?${query}` : ''}`.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)));

const deep = fc.integer({ min: 1, max: 200_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const hugeNumbers = fc.constantFrom('1e309', '-1e309', '123456789012345678901234567890', '-0', 'NaN', '0x10', '1.0000000000000002', '9007199254740993');
const protoKeys = fc.constantFrom(
  '{"__proto__":{"service":"fuzz","country":"US","at":1,"count":1}}',
  '[{"__proto__":{"admin":true},"service":"fuzz","country":"US","at":"2026-01-01T00:00:00Z","count":1}]',
  '[{"constructor":{"prototype":{"x":1}},"service":"fuzz"}]',
  '{"service":"twitter","country":"US","constructor":"x"}',
  '{"service":"twitter","__proto__":null}',
);
const invalidUtf8 = fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe, 0x5b, 0x5d]), Buffer.from('[{"service":"tw\xff\xfeitter"}]', 'latin1'), Buffer.from([0xed, 0xa0, 0x80]));
const oddUnicode = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => JSON.stringify({ service: s, country: s.slice(0, 2), problem: s }));
const wrongTypes = fc.record({
  service: fc.oneof(fc.jsonValue(), fc.constant('fuzz')),
  country: fc.oneof(fc.jsonValue(), fc.constantFrom('us', 'US ', ' US', 'ＵＳ', 'XX', 'UK')),
  at: fc.oneof(fc.jsonValue(), fc.double(), fc.constantFrom('2026-01-01', 'yesterday', '2026-01-01T00:00:00+25:00')),
  count: fc.oneof(fc.jsonValue(), fc.double(), fc.constantFrom(-1, 1.5, 1e20, '5')),
}).map((row) => JSON.stringify([row]));
const body = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  deep.map((s) => Buffer.from(s)),
  hugeNumbers.map((n) => Buffer.from(`[{"service":"fuzz","country":"US","at":${n},"count":${n}}]`)),
  protoKeys.map((s) => Buffer.from(s)),
  invalidUtf8,
  oddUnicode.map((s) => Buffer.from(s)),
  wrongTypes.map((s) => Buffer.from(s)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(`time,service,country,count\n${s}`)),
);

/** A row that must be stored, with its minute and count, for the oracle at the end. */
const MINUTE = 60_000;
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 600 * MINUTE;
const validRows = fc.array(fc.record({ country: fc.constantFrom('US', 'JP', 'GB', 'DE', 'BR'), minute: fc.integer({ min: 0, max: 300 }), count: fc.integer({ min: 0, max: 1000 }) }), { minLength: 1, maxLength: 20 });

describe('fuzz', () => {
  const expected = new Map<string, number>();

  it('answers random bodies, content types and encodings on the write routes with no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/ingest', '/api/reports', '/api/simulation/twitter/ingest', '/api/channels/wall', '/api/simulation/twitter'),
        fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(...ENCODINGS), fc.boolean(), body,
        async (path, type, encoding, compress, payload) => {
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (encoding) headers['content-encoding'] = encoding;
          if (path.startsWith('/api/channels')) headers.authorization = `Bearer ${CONTROL}`;
          const bytes = compress && encoding === 'gzip' ? gzipSync(payload) : payload;
          const method = path.startsWith('/api/channels') || path === '/api/simulation/twitter' ? 'PUT' : 'POST';
          const status = await send({ method, path, headers, body: bytes });
          expect(status === 0 || status < 500, `${method} ${path} ${type} ${encoding}`).toBe(true);
        },
      ),
      { numRuns: 1200 },
    );
    // Stop any simulation the fuzz may have leased, so it cannot take rows meant for the oracle.
    await send({ method: 'DELETE', path: '/api/simulation/twitter' });
  }, 60_000);

  it('answers odd paths and percent-encodings on every route and method with no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), oddPath, async (method, path) => {
        const status = await send({ method, path });
        expect(status === 0 || status < 500, `${method} ${path}`).toBe(true);
      }),
      { numRuns: 1200 },
    );
  }, 60_000);

  it('stores exactly what the valid inputs among the garbage made', async () => {
    await fc.assert(
      fc.asyncProperty(validRows, fc.constantFrom('json', 'ndjson', 'csv'), body, async (rows, format, garbage) => {
        const wire = rows.map((r) => ({ service: 'fuzz', country: r.country, at: base + r.minute * MINUTE, count: r.count }));
        const text = format === 'json' ? JSON.stringify(wire)
          : format === 'ndjson' ? wire.map((w) => JSON.stringify(w)).join('\n')
          : `time,service,country,count\n${wire.map((w) => `${new Date(w.at).toISOString()},fuzz,${w.country},${w.count}`).join('\n')}`;
        const type = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' }[format];
        expect(await send({ method: 'POST', path: '/api/ingest', headers: { 'content-type': type }, body: Buffer.from(text) })).toBe(200);
        for (const r of rows) expected.set(`${r.country}@${r.minute}`, (expected.get(`${r.country}@${r.minute}`) ?? 0) + r.count);
        // And garbage between valid requests, which must change nothing.
        const status = await send({ method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json' }, body: garbage });
        expect(status === 0 || status < 500).toBe(true);
      }),
      { numRuns: 250 },
    );
    const stored = new Map<string, number>();
    const ndjson = await (await fetch(`${server.url}/api/history?service=fuzz&format=ndjson`)).text();
    for (const line of ndjson.trim().split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as { time: string; country: string; count: number };
      stored.set(`${row.country}@${(Date.parse(row.time) - base) / MINUTE}`, row.count);
    }
    // Rows of count 0 are stored as 0; compare the non-zero totals.
    const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, v]) => v > 0));
    expect(nonZero(stored)).toEqual(nonZero(expected));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(fives).toEqual([]);
  }, 60_000);
});
