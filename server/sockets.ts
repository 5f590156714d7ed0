import type { Logger } from 'pino';
import type { Ack, Snapshot } from '../shared/protocol.ts';
import { channelName, describeIssues, watchRequest } from '../shared/schemas.ts';
import type { Channels } from './channels.ts';
import { HttpError } from './errors.ts';
import { liveRoom, type IoServer, type LiveFeeds } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { ReplayChannels } from './replay.ts';

export interface Playheads {
  live: LiveFeeds;
  replay: ReplayChannels;
  channels: Channels;
}

/** Socket.IO handlers: validate, act, ack; broadcasts come from the feeds and channels. */
export function attachSockets(io: IoServer, { live, replay, channels }: Playheads, metrics: Metrics, logger: Logger): void {
  io.on('connection', (socket) => {
    // Clock sync for screens that must agree on the data time: answer with the server's clock.
    socket.on('time', (ack) => {
      if (typeof ack === 'function') ack(Date.now());
    });

    metrics.sockets.inc();
    socket.on('disconnect', () => {
      metrics.sockets.dec();
      replay.stop(socket.id);
    });

    socket.on('watch', async (request, ack) => {
      if (typeof ack !== 'function') return;
      const reply = (response: Ack<Snapshot>) => ack(response);
      const parsed = watchRequest.safeParse(request);
      if (!parsed.success) return reply({ ok: false, error: `invalid watch: ${describeIssues(parsed.error)[0]}` });
      const req = parsed.data;
      try {
        for (const room of socket.rooms) if (room.startsWith('live:') || room.startsWith('channel:')) socket.leave(room);
        if ('channel' in req) {
          const name = channelName.safeParse(req.channel);
          if (!name.success) return reply({ ok: false, error: `invalid watch: channel: ${name.error.issues[0]!.message}` });
          replay.stop(socket.id);
          return reply({ ok: true, data: await channels.watch(socket, name.data) });
        }
        if (req.t === undefined) {
          replay.stop(socket.id);
          const snapshot = await live.snapshot(req.service);
          socket.join(liveRoom(req.service));
          return reply({ ok: true, data: snapshot });
        }
        reply({ ok: true, data: await replay.watch(socket, { service: req.service, t: req.t, speed: req.speed, playing: req.playing }) });
      } catch (error) {
        if (error instanceof HttpError && error.status < 500) return reply({ ok: false, error: error.message });
        logger.error({ err: error }, 'watch failed');
        reply({ ok: false, error: 'internal error' });
      }
    });
  });
}
