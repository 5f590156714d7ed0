import type { Logger } from 'pino';
import { PROTOCOL_VERSION, type Ack, type AckError, type ErrorCode, type Snapshot } from '../shared/protocol.ts';
import { describeIssues, watchChannelRequest, watchServiceRequest } from '../shared/schemas.ts';
import type { Metrics } from './metrics.ts';
import type { Channels } from './playheads/channels.ts';
import { Superseded, type IoServer, type IoSocket, type PlayheadEngine } from './playheads/engine.ts';
import type { ServiceCatalog } from './services.ts';

export interface SocketDeps {
  engine: PlayheadEngine;
  channels: Channels;
  services: ServiceCatalog;
  metrics: Metrics;
  logger: Logger;
}

/** A refusal with a stable code; its message is safe to show a developer. */
class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Socket.IO handlers: validate, act, ack; frames come from the playhead engine. */
export function attachSockets(io: IoServer, { engine, channels, services, metrics, logger }: SocketDeps): void {
  io.on('connection', (socket) => {
    // Clock sync for screens that must agree on the data time: answer with the server's clock.
    socket.on('time', (ack) => {
      if (typeof ack === 'function') ack(Date.now());
    });

    metrics.sockets.inc();
    // `disconnecting`, not `disconnect`: the socket's rooms are still listed, so its replay room goes too.
    socket.on('disconnecting', () => engine.leave(socket));
    socket.on('disconnect', () => metrics.sockets.dec());

    // A newer watch from the same socket wins: an older one still being answered does not join.
    let latest = 0;
    socket.on('watch', async (request: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as (response: Ack<Snapshot>) => void;
      const mine = ++latest;
      try {
        const snapshot = await watch(socket, request, () => mine === latest);
        reply({ ok: true, data: snapshot });
      } catch (error) {
        const refusal = error instanceof Superseded ? new Refusal('invalid-request', error.message) : error instanceof Refusal ? error : undefined;
        if (!refusal) logger.error({ err: error, socket: socket.id }, 'watch failed');
        const body: AckError = refusal ? { code: refusal.code, message: refusal.message } : { code: 'internal', message: 'internal error: try again' };
        metrics.watchRefused.inc({ code: body.code });
        reply({ ok: false, error: body });
      }
    });
  });

  async function watch(socket: IoSocket, raw: unknown, wanted: () => boolean): Promise<Snapshot> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Refusal('invalid-request', 'watch: must be an object');
    const protocol = (raw as { protocol?: unknown }).protocol;
    if (protocol !== PROTOCOL_VERSION) {
      throw new Refusal('unsupported-protocol', `this server speaks protocol ${PROTOCOL_VERSION}, the client ${protocol === undefined ? 'an older one' : JSON.stringify(protocol)}: reload the page`);
    }
    engine.leave(socket);
    if ('channel' in raw) {
      const req = parse(watchChannelRequest, raw);
      const snapshot = await channels.watch(socket, req.channel, wanted);
      if (!snapshot) throw new Refusal('unknown-channel', `no channel "${req.channel}"`);
      return snapshot;
    }
    const req = parse(watchServiceRequest, raw);
    if (!(await services.known(req.service))) throw new Refusal('unknown-service', `unknown service "${req.service}"`);
    return req.t === undefined
      ? engine.watchLive(socket, req.service, wanted)
      : engine.watchReplay(socket, { service: req.service, t: req.t, speed: req.speed, playing: req.playing }, wanted);
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const message = `invalid watch: ${describeIssues(parsed.error)[0]}`;
  throw new Refusal(issue?.path[0] === 't' ? 'invalid-time' : 'invalid-request', message);
}
