import type { Logger } from 'pino';
import type { Ack, Snapshot } from '../shared/protocol.ts';
import { describeIssues, watchRequest } from '../shared/schemas.ts';
import type { IoServer } from './live.ts';
import { liveRoom, type LiveFeeds } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { ReplayChannels } from './replay.ts';

/** Socket.IO handlers: validate, act, ack; broadcasts come from the feeds and channels. */
export function attachSockets(io: IoServer, live: LiveFeeds, replay: ReplayChannels, metrics: Metrics, logger: Logger): void {
  io.on('connection', (socket) => {
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
      if ('channel' in req) return reply({ ok: false, error: 'named channels are not available yet' });
      try {
        for (const room of socket.rooms) if (room.startsWith('live:')) socket.leave(room);
        if (req.t === undefined) {
          replay.stop(socket.id);
          const snapshot = await live.snapshot(req.service);
          socket.join(liveRoom(req.service));
          return reply({ ok: true, data: snapshot });
        }
        reply({ ok: true, data: await replay.watch(socket, { service: req.service, t: req.t, speed: req.speed, playing: req.playing }) });
      } catch (error) {
        logger.error({ err: error }, 'watch failed');
        reply({ ok: false, error: 'internal error' });
      }
    });
  });
}
