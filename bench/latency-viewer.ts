/**
 * One viewer process of `npm run bench -- latency`: many Socket.IO clients (websocket only), each
 * watching one service live, driven by the parent over IPC. It speaks both wire formats: the old
 * one (`watch {service}`, frames as JSON strings) and protocol v2 (`watch {protocol: 2, service}`,
 * frames as plain objects, `snapshot` events). Self-contained on purpose: it imports nothing from
 * the app, so it runs unchanged against any checkout.
 *
 * Each socket keeps its countries' counts and, per country, every rise with the wall time it
 * arrived (Date.now(); the parent compares it with its own clock on the same machine).
 */
import { io as connect, type Socket } from 'socket.io-client';

export type WireFormat = 'v1' | 'v2';

export type ViewerCommand =
  | { type: 'connect'; url: string; services: string[]; format: WireFormat }
  | { type: 'disconnect' }
  | { type: 'counters' }
  | { type: 'firstSeen'; service: string; probes: Array<{ country: string; count: number }> };

export type ViewerReply =
  | { type: 'connected'; ok: number; failed: number; errors: string[] }
  | { type: 'disconnected' }
  | { type: 'counters'; frames: number; snapshots: number; resyncs: number }
  | { type: 'firstSeen'; times: number[][] };

interface Viewer {
  socket: Socket;
  service: string;
  counts: Map<string, number>;
  /** Country to [count, wall ms] at each rise. */
  rises: Map<string, Array<[number, number]>>;
}

let viewers: Viewer[] = [];
let frames = 0;
let snapshots = 0;
let resyncs = 0;

function send(reply: ViewerReply): void {
  process.send!(reply);
}

type States = Record<string, { count: number } | undefined>;

function apply(viewer: Viewer, changes: States, replace: boolean, at: number): void {
  if (replace) {
    for (const country of viewer.counts.keys()) if (!(country in changes)) viewer.counts.set(country, 0);
  }
  for (const [country, state] of Object.entries(changes)) {
    const count = state?.count ?? 0;
    const before = viewer.counts.get(country) ?? 0;
    viewer.counts.set(country, count);
    if (count > before) {
      let list = viewer.rises.get(country);
      if (!list) viewer.rises.set(country, (list = []));
      list.push([count, at]);
    }
  }
}

function watch(viewer: Viewer, format: WireFormat): Promise<string | undefined> {
  const request = format === 'v2' ? { protocol: 2, service: viewer.service } : { service: viewer.service };
  return viewer.socket
    .timeout(15_000)
    .emitWithAck('watch', request)
    .then((ack: { ok: boolean; data?: { countries: States }; error?: unknown }) => {
      if (!ack.ok) return JSON.stringify(ack.error);
      apply(viewer, ack.data!.countries, true, Date.now());
      return undefined;
    })
    .catch((error: Error) => error.message);
}

function open(url: string, service: string, format: WireFormat): Promise<string | undefined> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1000 });
  const viewer: Viewer = { socket, service, counts: new Map(), rises: new Map() };
  viewers.push(viewer);
  socket.on('frame', (payload: unknown) => {
    const at = Date.now();
    const frame = (typeof payload === 'string' ? JSON.parse(payload) : payload) as { service: string; changes: States };
    frames++;
    apply(viewer, frame.changes, false, at);
  });
  socket.on('snapshot', (snapshot: { countries: States }) => {
    snapshots++;
    apply(viewer, snapshot.countries, true, Date.now());
  });
  socket.on('resync', () => {
    resyncs++;
    void watch(viewer, format);
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(watch(viewer, format)));
    socket.once('connect_error', (error) => resolve(`connect: ${error.message}`));
  });
}

process.on('message', async (command: ViewerCommand) => {
  if (command.type === 'connect') {
    const errors: string[] = [];
    let ok = 0;
    // In slices, so a thousand handshakes do not all queue on the server at once.
    for (let i = 0; i < command.services.length; i += 25) {
      const slice = command.services.slice(i, i + 25);
      for (const result of await Promise.all(slice.map((service) => open(command.url, service, command.format)))) {
        if (result === undefined) ok++;
        else if (errors.length < 5) errors.push(result);
      }
    }
    frames = snapshots = resyncs = 0;
    send({ type: 'connected', ok, failed: command.services.length - ok, errors });
  } else if (command.type === 'disconnect') {
    for (const viewer of viewers) viewer.socket.disconnect();
    viewers = [];
    send({ type: 'disconnected' });
  } else if (command.type === 'counters') {
    send({ type: 'counters', frames, snapshots, resyncs });
    frames = snapshots = resyncs = 0;
  } else if (command.type === 'firstSeen') {
    // For each viewer of the service and each probe: when its country's count first reached the
    // count that probe made it (-1 if never).
    const times = viewers
      .filter((v) => v.service === command.service)
      .map((viewer) =>
        command.probes.map(({ country, count }) => viewer.rises.get(country)?.find(([c]) => c >= count)?.[1] ?? -1),
      );
    send({ type: 'firstSeen', times });
  }
});

process.on('disconnect', () => process.exit(0));
