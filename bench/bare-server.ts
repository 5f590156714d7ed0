/**
 * The bare baselines of `npm run bench`, in their own process: `node bare-server.ts PORT http|socketio`.
 * - `POST /api/reports`: a `node:http` handler that reads and parses the same JSON and checks its
 *   fields by hand, then answers as ours does (201, `{ok, data}`); no dedupe, no store.
 * - `POST /api/ingest`: the same handler parsing and type-checking every row of a JSON array.
 * - `socketio`: a bare Socket.IO 4.8 server on the same port; `watch` joins one room and acks,
 *   and every ingest broadcasts the frame the parent sent over IPC (`{type: 'template', frame}`,
 *   one of our server's frames) to that room: the same bytes to the same viewers.
 * Imports nothing from the app: it is the yardstick, not the thing measured.
 */
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const withSocketIo = process.argv[3] === 'socketio';
const COUNTRY = /^[A-Z]{2}$/;
const REPORT_LIMIT = 4 * 1024;
const INGEST_LIMIT = 1024 * 1024;

let template: unknown;
let seq = 0;

function readBody(req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
  });
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function validRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const r = row as Record<string, unknown>;
  return typeof r.service === 'string' && r.service.length > 0 && r.service.length <= 64
    && typeof r.country === 'string' && COUNTRY.test(r.country)
    && typeof r.at === 'number' && Number.isFinite(r.at)
    && typeof r.count === 'number' && Number.isInteger(r.count) && r.count >= 0;
}

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { ok: true });
  if (req.method === 'POST' && req.url === '/api/reports') {
    const body = parse(await readBody(req, REPORT_LIMIT)) as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || typeof body.service !== 'string' || (body.country !== undefined && !(typeof body.country === 'string' && COUNTRY.test(body.country)))) {
      return answer(res, 400, { ok: false, error: 'invalid report' });
    }
    return answer(res, 201, { ok: true, data: { counted: true, service: body.service, country: body.country, minute: Math.floor(Date.now() / 60_000) * 60_000 } });
  }
  if (req.method === 'POST' && req.url === '/api/ingest') {
    const rows = parse(await readBody(req, INGEST_LIMIT));
    if (!Array.isArray(rows) || !rows.every(validRow)) return answer(res, 400, { ok: false, error: 'invalid rows' });
    // An object frame gets the next seq, as ours would; an older server's string frame goes as it is.
    if (io && template !== undefined) io.to('live').emit('frame', typeof template === 'object' ? { ...template, seq: ++seq } : template);
    return answer(res, 200, { ok: true, data: { accepted: rows.length } });
  }
  answer(res, 404, { ok: false, error: 'not found' });
});

const io = withSocketIo ? new Server(server, { serveClient: false }) : undefined;
io?.on('connection', (socket) => {
  socket.on('watch', (_request: unknown, ack: unknown) => {
    void socket.join('live');
    if (typeof ack === 'function') ack({ ok: true, data: {} });
  });
});

process.on('message', (message: { type: string; frame?: unknown }) => {
  if (message.type === 'template') template = message.frame;
});
process.on('disconnect', () => process.exit(0));

server.listen(port, '127.0.0.1');
