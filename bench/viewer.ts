/**
 * One viewer process of `npm run bench -- live`: thousands of light viewers, each a raw WebSocket
 * (node:net, no client library) speaking just enough Engine.IO 4 / Socket.IO 5 to connect, answer
 * pings, send one `watch` with an ack and receive events; driven by the parent over IPC. A
 * socket.io-client costs several times the CPU per message, and a saturated generator would
 * measure itself, not the server. Self-contained: imports nothing from the app.
 *
 * Viewers belong to a target (0: our server, 1: the bare baseline) and count the frames and bytes
 * they receive. While recording, each viewer of target 0 notes when every frame reached it, and
 * the process tells, per probe (a country's count reaching a value), when each viewer got the
 * first frame showing it.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export type ViewerCommand =
  | { type: 'connect'; url: string; target: number; count: number; watch: unknown }
  /** Closes `count` viewers of the target (all when absent). */
  | { type: 'disconnect'; target: number; count?: number }
  | { type: 'counters' }
  | { type: 'record'; on: boolean }
  | { type: 'latencies'; probes: Array<{ country: string; count: number; answeredAt: number }> };

export type ViewerReply =
  | { type: 'connected'; ok: number; failed: number; errors: string[] }
  | { type: 'disconnected' }
  /** Per target since the last `counters`; `sample`: the latest frame event a target-0 viewer got. */
  | { type: 'counters'; frames: number[]; bytes: number[]; sample?: string }
  | { type: 'recording' }
  /**
   * ms from each probe's answer to each viewer's frame showing it (negative when the frame beat
   * the HTTP answer); null when never seen, either because no frame here showed the probe
   * (`unshown` probes) or the viewer missed that frame.
   */
  | { type: 'latencies'; values: Array<number | null>; unshown: number; frames: number };

const FRAME_EVENT = Buffer.from('42["frame"');
const SNAPSHOT_EVENT = Buffer.from('42["snapshot"');
const ACK_OK = '431[{"ok":true';

interface Viewer {
  socket: net.Socket;
  target: number;
  /** Frame ids and arrival times (Date.now()) while recording. */
  ids: number[];
  times: number[];
}

const viewers = new Set<Viewer>();
let frames = [0, 0];
let bytes = [0, 0];
let sample: Buffer | undefined;
let recording = false;

// Every viewer of a room receives the same text: each distinct frame is parsed once per process.
let lastText = '';
let lastId = -1;
const idOfText = new Map<string, number>();
const frameCounts: Array<Map<string, number>> = [];

function frameId(text: string): number {
  if (text === lastText) return lastId;
  let id = idOfText.get(text);
  if (id === undefined) {
    const [, payload] = JSON.parse(text.slice(2)) as [string, unknown];
    const data = (typeof payload === 'string' ? JSON.parse(payload) : payload) as { changes?: Record<string, { count: number }>; countries?: Record<string, { count: number }> };
    const counts = new Map<string, number>();
    for (const [country, state] of Object.entries(data.changes ?? data.countries ?? {})) counts.set(country, state?.count ?? 0);
    id = frameCounts.push(counts) - 1;
    idOfText.set(text, id);
  }
  lastText = text;
  lastId = id;
  return id;
}

/** A masked text frame; a zero mask is a valid mask and leaves the payload as it is. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x81, 0x80 | n, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 255, 0, 0, 0, 0]);
  return Buffer.concat([header, payload]);
}

function open(url: URL, target: number, watch: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    const viewer: Viewer = { socket, target, ids: [], times: [] };
    let buffer: Buffer | undefined;
    let upgraded = false;
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      // Once watching, idle is normal: only the connect phase has a timeout.
      socket.setTimeout(0);
      if (error === undefined) viewers.add(viewer);
      else socket.destroy();
      resolve(error);
    };
    const send = (text: string) => socket.write(textFrame(text));
    const onMessage = (payload: Buffer) => {
      const kind = payload[0];
      if (kind === 0x34 /* 4: message */) {
        if (payload.subarray(0, FRAME_EVENT.length).equals(FRAME_EVENT) || payload.subarray(0, SNAPSHOT_EVENT.length).equals(SNAPSHOT_EVENT)) {
          frames[target]!++;
          bytes[target]! += payload.length;
          if (target === 0) {
            sample = payload;
            if (recording) {
              viewer.ids.push(frameId(payload.toString()));
              viewer.times.push(Date.now());
            }
          }
          return;
        }
        const text = payload.toString();
        if (text.startsWith('40')) send(`421${watch}`);
        else if (text.startsWith('431')) settle(text.startsWith(ACK_OK) ? undefined : `watch refused: ${text.slice(0, 200)}`);
        else if (text.startsWith('44')) settle(`connect refused: ${text.slice(0, 200)}`);
      } else if (kind === 0x32 /* 2: ping */) send('3');
      else if (kind === 0x30 /* 0: open */) send('40');
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk;
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return settle(`upgrade refused: ${head.split('\r\n')[0]}`);
        upgraded = true;
        buffer = buffer.subarray(end + 4);
      }
      while (buffer && buffer.length >= 2) {
        const opcode = buffer[0]! & 0x0f;
        let length: number = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.length === offset + length ? undefined : buffer.subarray(offset + length);
        if (opcode === 1) onMessage(payload);
        else if (opcode === 9) socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
        else if (opcode === 8) socket.destroy();
      }
    });
    socket.on('error', (error) => settle(`socket: ${error.message}`));
    socket.on('close', () => settle('closed before the watch was answered'));
    socket.setTimeout(30_000, () => settle('no watch answer within 30 s'));
    socket.once('connect', () => {
      socket.write(`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.once('close', () => viewers.delete(viewer));
  });
}

function latencies(probes: Array<{ country: string; count: number; answeredAt: number }>): Extract<ViewerReply, { type: 'latencies' }> {
  // The first frame (in arrival order, the order the server sent them) showing each probe.
  const first = probes.map(({ country, count }) => frameCounts.findIndex((counts) => (counts.get(country) ?? -1) >= count));
  const values: Array<number | null> = [];
  for (const viewer of viewers) {
    if (viewer.target !== 0) continue;
    probes.forEach((probe, j) => {
      const at = first[j]! < 0 ? -1 : viewer.ids.indexOf(first[j]!);
      values.push(at < 0 ? null : viewer.times[at]! - probe.answeredAt);
    });
  }
  return { type: 'latencies', values, unshown: first.filter((f) => f < 0).length, frames: frameCounts.length };
}

function reply(message: ViewerReply): void {
  process.send!(message);
}

process.on('message', async (command: ViewerCommand) => {
  if (command.type === 'connect') {
    const url = new URL(command.url);
    const watch = JSON.stringify(['watch', command.watch]);
    const errors: string[] = [];
    let ok = 0;
    // In slices, so thousands of handshakes do not all queue on the server at once.
    for (let i = 0; i < command.count; i += 50) {
      const results = await Promise.all(Array.from({ length: Math.min(50, command.count - i) }, () => open(url, command.target, watch)));
      for (const result of results) {
        if (result === undefined) ok++;
        else if (errors.length < 5) errors.push(result);
      }
    }
    reply({ type: 'connected', ok, failed: command.count - ok, errors });
  } else if (command.type === 'disconnect') {
    let left = command.count ?? Number.POSITIVE_INFINITY;
    for (const viewer of viewers) {
      if (viewer.target !== command.target) continue;
      if (left-- <= 0) break;
      viewers.delete(viewer);
      viewer.socket.destroy();
    }
    reply({ type: 'disconnected' });
  } else if (command.type === 'counters') {
    reply({ type: 'counters', frames, bytes, sample: sample?.toString() });
    frames = [0, 0];
    bytes = [0, 0];
  } else if (command.type === 'record') {
    recording = command.on;
    if (recording) {
      for (const viewer of viewers) {
        viewer.ids = [];
        viewer.times = [];
      }
      idOfText.clear();
      frameCounts.length = 0;
      lastText = '';
      lastId = -1;
    }
    reply({ type: 'recording' });
  } else if (command.type === 'latencies') {
    reply(latencies(command.probes));
  }
});

process.on('disconnect', () => process.exit(0));
