import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../shared/protocol.ts';
import { ingestRow, reportBody } from '../../shared/schemas.ts';
import { quickReport, quickRow } from '../../server/write-path.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Commit } from '../../server/store/store.ts';
import { postJson, startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Values near every edge of the schemas, mixed with anything JSON can hold.
const text = fc.oneof(fc.constantFrom('twitter', 'a', 'x'.repeat(40), 'x'.repeat(41), 'Twitter', '-a', 'a-', 'a b', 'US', 'us', 'UK', 'XX', 'GB', 'US ', ''), fc.string({ maxLength: 8 }));
const number = fc.oneof(fc.constantFrom(0, -0, -1, 1.5, 10_000_000, 10_000_001, 946684800000, 946684799999, 1e309, Date.now(), Date.now() + 4 * 60_000, Date.now() + 6 * 60_000), fc.double(), fc.integer());
const time = fc.oneof(number, fc.constantFrom('2022-12-29T00:45:00Z', '2022-12-29T00:45:00.123+02:00', '2022-12-29', '1999-12-31T23:59:59Z', '2999-01-01T00:00:00Z', 'yesterday'));
const value = fc.oneof(text, number, fc.constantFrom(...PROBLEMS), fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
const jsonish = (record: Record<string, unknown>) => JSON.parse(JSON.stringify(record)) as unknown;

describe('quick checks of the write path', () => {
  it('accept a report only when reportBody accepts it, and parse it the same', () => {
    const report = fc.record({ service: value, country: value, problem: value, extra: value }, { requiredKeys: [] }).map(jsonish);
    fc.assert(fc.property(fc.oneof(report, fc.jsonValue()), (body) => {
      const quick = quickReport(body);
      if (quick !== undefined) expect(quick).toEqual(reportBody.parse(body));
    }), { numRuns: 20_000 });
    expect(quickReport({ service: 'twitter', country: 'JP', problem: 'app' })).toEqual({ service: 'twitter', country: 'JP', problem: 'app' });
    expect(quickReport({ service: 'twitter' })).toEqual({ service: 'twitter' });
  });

  it('accept a row only when ingestRow accepts it, and parse it the same', () => {
    const row = fc.record({ service: value, country: value, at: time, count: fc.oneof(number, value), problem: value, extra: value }, { requiredKeys: [] }).map(jsonish);
    fc.assert(fc.property(fc.oneof(row, fc.jsonValue()), (body) => {
      const quick = quickRow(body, Date.now() + 5 * 60_000);
      if (quick !== undefined) expect(quick).toEqual(ingestRow.parse(body));
    }), { numRuns: 20_000 });
    const at = Date.now();
    expect(quickRow({ service: 'twitter', country: 'US', at, count: 3 }, at + 300_000)).toEqual({ service: 'twitter', country: 'US', at, count: 3 });
    expect(quickRow({ service: 'twitter', country: 'US', at: '2022-12-29T00:45:00Z', count: 3, problem: 'login' }, at + 300_000)).toEqual({ service: 'twitter', country: 'US', at: Date.UTC(2022, 11, 29, 0, 45), count: 3, problem: 'login' });
  });
});

describe('the write path ahead of Express', () => {
  // `application/json;charset=utf-8` is not a spelling the fast path takes: Express answers it.
  const VIA_EXPRESS = { 'content-type': 'application/json;charset=utf-8' };
  const send = async (url: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}/api/reports`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ service: 'twitter', country: 'JP' }) });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() };
  };

  it('answers a counted report with the status, body and headers of the Express route', async () => {
    server = await startServer();
    const fast = await send(server.url, { 'user-agent': 'a', 'x-request-id': 'req-1' });
    const express = await send(server.url, { 'user-agent': 'b', 'x-request-id': 'req-2', ...VIA_EXPRESS });
    expect(fast.status).toBe(201);
    expect(express.status).toBe(201);
    expect(fast.body).toEqual(express.body);
    expect(fast.headers['x-request-id']).toBe('req-1');
    const comparable = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'x-request-id', 'etag', 'keep-alive', 'connection'].includes(k)));
    expect(comparable(fast.headers)).toEqual(comparable(express.headers));
    expect(fast.headers.etag).toMatch(/^W\/"/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/outage_http_responses_total\{route="POST \/api\/reports",class="2xx"\} 2/);
  });

  it('answers a duplicate, a 429 and a body that is not JSON as the Express route does', async () => {
    server = await startServer({ reportsPerNetwork: 2 });
    await send(server.url, { 'user-agent': 'a' });
    const duplicates = [await send(server.url, { 'user-agent': 'a' }), await send(server.url, { 'user-agent': 'a', ...VIA_EXPRESS })];
    expect(duplicates[0]).toMatchObject({ status: 200, body: duplicates[1]!.body });
    await send(server.url, { 'user-agent': 'b' });
    const limited = [await send(server.url, { 'user-agent': 'c' }), await send(server.url, { 'user-agent': 'd', ...VIA_EXPRESS })];
    for (const res of limited) expect(res).toMatchObject({ status: 429, body: { ok: false, code: 'rate-limited' } });
    expect(limited[0]!.body.error).toBe(limited[1]!.body.error);
    expect(limited[0]!.headers['retry-after']).toBe(limited[1]!.headers['retry-after']);
    const notJson = [await postJson(`${server.url}/api/reports`, '{"service":'), await postJson(`${server.url}/api/reports`, '{"service":', VIA_EXPRESS)];
    expect(notJson[0]).toEqual(notJson[1]);
    expect(notJson[0]).toEqual({ status: 400, body: { ok: false, error: 'body: not valid JSON', code: 'invalid-request' } });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/outage_refusals_total\{reason="rate-limited"\} 2/);
  });
});

describe('the SQLite store', () => {
  it('commits the writes of one event-loop turn in one transaction, each answered after it', async () => {
    const dataDir = tempDataDir();
    const store = openSqliteStore(dataDir);
    try {
      const commits: Commit[] = [];
      store.onCommit((c) => commits.push(c));
      const minute = Math.floor(Date.UTC(2026, 0, 1) / 60_000);
      const answered: number[] = [];
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.add([{ service: 'turn', country: 'US', minute: minute + i, count: 1 }]).then(() => {
        // Answered only once its rows are readable, committed.
        answered.push(i);
        expect(commits.length).toBe(1);
      })));
      expect(answered).toHaveLength(50);
      expect(commits).toHaveLength(1);
      expect(commits[0]!.writes).toHaveLength(50);
      expect(await store.rows('turn', minute, minute + 49)).toHaveLength(50);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stores the sum of the adds of one transaction per minute and country, and a put after them replaces them', async () => {
    const dataDir = tempDataDir();
    const store = openSqliteStore(dataDir);
    try {
      const minute = Math.floor(Date.UTC(2026, 0, 1) / 60_000);
      const row = (country: string, count: number, problem?: 'app') => ({ service: 'sum', country, minute, count, ...(problem && { problem }) });
      const commits: Commit[] = [];
      store.onCommit((c) => commits.push(c));
      // One turn: all of these reach the writer in one transaction.
      await Promise.all([
        store.add([row('US', 2, 'app'), row('JP', 1)]),
        store.add([row('US', 3, 'app'), row('JP', 4)]),
        store.put([row('JP', 10)]),
        store.add([row('JP', 1), row('US', 1)]),
      ]);
      expect(commits).toHaveLength(1);
      const byCountry = Object.fromEntries((await store.rows('sum', minute, minute)).map((r) => [r.country, r.count]));
      expect(byCountry).toEqual({ US: 6, JP: 11 });
      expect(await store.problems('sum', minute, minute)).toEqual([{ minute, country: 'US', problem: 'app', count: 5 }]);
      const slots = await store.slotRange('sum', 0, Number.MAX_SAFE_INTEGER);
      expect(slots.reduce((n, s) => n + s.count, 0)).toBe(17);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
