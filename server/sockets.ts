import type { Logger } from 'pino';
import type { Ack, Snapshot } from '../shared/protocol.ts';
import { describeIssues, watchRequest } from '../shared/schemas.ts';
import type { IoServer } from './live.ts';
import { liveRoom, type LiveFeeds } from './live.ts';
import type { Metrics } from './metrics.ts';

/** Socket.IO handlers: validate, act, ack; broadcasts come from the feeds. */
export function attachSockets(io: IoServer, live: LiveFeeds, metrics: Metrics, logger: Logger): void {
  io.on('connection', (socket) => {
    metrics.sockets.inc();
    socket.on('disconnect', () => metrics.sockets.dec());

    socket.on('watch', (request, ack) => {
      if (typeof ack !== 'function') return;
      const reply = (response: Ack<Snapshot>) => ack(response);
      const parsed = watchRequest.safeParse(request);
      if (!parsed.success) return reply({ ok: false, error: `invalid watch: ${describeIssues(parsed.error)[0]}` });
      const req = parsed.data;
      if ('channel' in req) return reply({ ok: false, error: 'named channels are not available yet' });
      if (req.t !== undefined) return reply({ ok: false, error: 'replay is not available yet: watch {service} for live' });
      try {
        for (const room of socket.rooms) if (room.startsWith('live:')) socket.leave(room);
        const snapshot = live.snapshot(req.service);
        socket.join(liveRoom(req.service));
        reply({ ok: true, data: snapshot });
      } catch (error) {
        logger.error({ err: error }, 'watch failed');
        reply({ ok: false, error: 'internal error' });
      }
    });
  });
}
