import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startServer, type RunningServer } from '../helpers/server.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TOKEN = 'a-long-enough-test-token';

async function live(service: string) {
  const res = await fetch(`${server!.url}/api/live?service=${service}`);
  return (await res.json()).data;
}

describe('POST /api/reports', () => {
  it('counts one report per person per service and window', async () => {
    server = await startServer();
    const first = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'JP', problem: 'app' });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ counted: true, country: 'JP' });
    const again = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'JP' });
    expect(again.status).toBe(200);
    expect(again.body.data.counted).toBe(false);
    const otherBrowser = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'JP' }, { 'user-agent': 'other' });
    expect(otherBrowser.body.data.counted).toBe(true);
    const otherService = await postJson(`${server.url}/api/reports`, { service: 'youtube', country: 'JP' });
    expect(otherService.body.data.counted).toBe(true);
    expect((await live('twitter')).countries.JP.count).toBe(2);
    expect((await live('youtube')).countries.JP.count).toBe(1);
  });

  it('refuses more than REPORTS_PER_NETWORK reports from one network with 429 and Retry-After', async () => {
    server = await startServer({ reportsPerNetwork: 2 });
    const send = (ua: string, service = 'twitter') => postJson(`${server!.url}/api/reports`, { service, country: 'DE' }, { 'user-agent': ua });
    expect((await send('a')).status).toBe(201);
    expect((await send('b')).status).toBe(201);
    const third = await fetch(`${server.url}/api/reports`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'c' }, body: JSON.stringify({ service: 'twitter', country: 'DE' }) });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await third.json();
    expect(body).toMatchObject({ ok: false, code: 'rate-limited' });
    expect(body.error).toMatch(/^too many reports for "twitter" from this network/);
    expect((await send('a')).body.data.counted).toBe(false);
    expect((await send('c', 'youtube')).status).toBe(201);
    expect((await live('twitter')).countries.DE.count).toBe(2);
  });

  it('takes the country from the trusted header over the body', async () => {
    server = await startServer({ countryHeader: 'CF-IPCountry' });
    const res = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'US' }, { 'cf-ipcountry': 'GB' });
    expect(res.body.data.country).toBe('GB');
    const noHeader = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'US' }, { 'user-agent': 'b' });
    expect(noHeader.body.data.country).toBe('US');
    const unknownHeader = await postJson(`${server.url}/api/reports`, { service: 'twitter' }, { 'cf-ipcountry': 'XX', 'user-agent': 'c' });
    expect(unknownHeader.status).toBe(422);
    expect(unknownHeader.body.error).toMatch(/^country: missing/);
  });

  it('answers an unknown service with 404 and the list of services', async () => {
    server = await startServer({ services: 'twitter,rogers' });
    const res = await postJson(`${server.url}/api/reports`, { service: 'myspace', country: 'US' });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ok: false, error: 'unknown service "myspace"', code: 'unknown-service', services: ['twitter', 'rogers'] });
  });

  it.each([
    ['not JSON', '{oops', 400, /body: not valid JSON/],
    ['an array', '[]', 400, /body must be a JSON object/],
    ['no service', { country: 'US' }, 400, /^invalid report: service: /],
    ['a bad country', { service: 'twitter', country: 'UK' }, 400, /country: "UK" is not an ISO 3166-1 alpha-2 country code/],
    ['an unknown field', { service: 'twitter', country: 'US', ip: '1.2.3.4' }, 400, /unknown field\(s\): ip/],
    ['a bad problem', { service: 'twitter', country: 'US', problem: 'sad' }, 400, /problem: must be one of/],
    ['no country at all', { service: 'twitter' }, 422, /^country: missing/],
  ])('refuses %s with a 4xx naming the problem', async (_name, body, status, message) => {
    server = await startServer();
    const res = await postJson(`${server.url}/api/reports`, body);
    expect(res.status).toBe(status);
    expect(res.body.ok).toBe(false);
    expect(res.body.error).toMatch(message);
  });

  it('refuses a body that is not JSON by its content type', async () => {
    server = await startServer();
    const res = await fetch(`${server.url}/api/reports`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'twitter' });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toMatch(/content-type: expected application\/json/);
  });

  it('refuses an oversized body with 413', async () => {
    server = await startServer();
    const res = await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'US', pad: 'x'.repeat(10_000) });
    expect(res.status).toBe(413);
  });
});

describe('POST /api/ingest', () => {
  it('adds trusted counts per service, country and minute', async () => {
    server = await startServer({ ingestToken: TOKEN });
    const now = Date.now();
    const res = await postJson(`${server.url}/api/ingest`, [
      { service: 'twitter', country: 'US', at: now, count: 9000 },
      { service: 'twitter', country: 'US', at: new Date(now - 60_000).toISOString(), count: 1000 },
      { service: 'twitter', country: 'JP', at: now, count: 2500 },
      { service: 'newsvc', country: 'GB', at: now, count: 7 },
    ], { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.body.data.accepted).toBe(4);
    const twitter = await live('twitter');
    expect(twitter.countries.US).toEqual({ count: 10_000, baseline: 10, level: 'outage' });
    expect(twitter.countries.JP.count).toBe(2500);
    expect((await live('newsvc')).countries.GB.count).toBe(7);
  });

  it('accepts CSV and NDJSON bodies', async () => {
    server = await startServer();
    const at = new Date().toISOString();
    const csv = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `time,service,country,count\n${at},twitter,FR,3\n` });
    expect(csv.status).toBe(200);
    const ndjson = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `{"service":"twitter","country":"FR","at":"${at}","count":4}\n` });
    expect(ndjson.status).toBe(200);
    expect((await live('twitter')).countries.FR.count).toBe(7);
  });

  it('stores nothing when one row is bad, and names each bad row and field', async () => {
    server = await startServer();
    const res = await postJson(`${server.url}/api/ingest`, [
      { service: 'twitter', country: 'US', at: Date.now(), count: 5 },
      { service: 'twitter', country: 'US', at: 1672272000, count: 5 },
      { service: 'twitter', country: 'US', at: Date.now(), count: -1 },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^2 of 3 rows are invalid, nothing was stored/);
    expect(res.body.issues).toEqual(['rows[1].at: must be after 2000-01-01 (epoch milliseconds, not seconds)', 'rows[2].count: must not be negative']);
    expect((await live('twitter')).countries).toEqual({});
  });

  it('points at the line of a bad CSV row', async () => {
    server = await startServer();
    const res = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'time,service,country,count\n2022-12-29T00:45:00Z,twitter,US,many\n' });
    expect(res.status).toBe(400);
    expect((await res.json()).issues).toEqual(['line 2: count: must be a number']);
  });

  it('needs the bearer token when one is set', async () => {
    server = await startServer({ ingestToken: TOKEN });
    const row = [{ service: 'twitter', country: 'US', at: Date.now(), count: 1 }];
    expect((await postJson(`${server.url}/api/ingest`, row)).status).toBe(401);
    const wrong = await postJson(`${server.url}/api/ingest`, row, { authorization: 'Bearer not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('ingest: wrong token');
    expect((await live('twitter')).countries).toEqual({});
  });

  it('without a token, accepts only callers on this machine', async () => {
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) throw new Error('this machine has no non-loopback IPv4 address to test from');
    server = await startServer({}, { host: '0.0.0.0' });
    const port = new URL(server.url).port;
    const row = [{ service: 'twitter', country: 'US', at: Date.now(), count: 1 }];
    expect((await postJson(`http://127.0.0.1:${port}/api/ingest`, row)).status).toBe(200);
    const remote = await postJson(`http://${external.address}:${port}/api/ingest`, row);
    expect(remote.status).toBe(403);
    expect(remote.body.error).toMatch(/only open to this machine until INGEST_TOKEN is set/);
  });
});

describe('read endpoints', () => {
  it('lists services, answers health and metrics, and 404s unknown API paths in JSON', async () => {
    server = await startServer({ services: 'twitter,rogers' });
    const services = await (await fetch(`${server.url}/api/services`)).json();
    expect(services.data.map((s: { id: string }) => s.id)).toEqual(['twitter', 'rogers']);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'US' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/outage_reports_total\{service="twitter",result="counted"\} 1/);
    const missing = await fetch(`${server.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ ok: false, error: 'no such endpoint: GET /api/nope', code: 'not-found' });
  });
});
