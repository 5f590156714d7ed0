import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** Prometheus metrics of one application instance, served at `GET /metrics`. */
export function createMetrics(withProcessMetrics: boolean) {
  const registry = new Registry();
  if (withProcessMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reports: new Counter({
      name: 'outage_reports_total',
      help: 'Public reports received, by result (counted, duplicate, limited)',
      labelNames: ['service', 'result'] as const,
      registers,
    }),
    ingestRows: new Counter({
      name: 'outage_ingest_rows_total',
      help: 'Trusted rows accepted at /api/ingest',
      registers,
    }),
    responses: new Counter({
      name: 'outage_http_responses_total',
      help: 'HTTP responses, by route (the matched pattern, "static" or "unmatched") and status class (2xx, 3xx, 4xx, 5xx)',
      labelNames: ['route', 'class'] as const,
      registers,
    }),
    refusals: new Counter({
      name: 'outage_refusals_total',
      help: 'Requests refused with a 4xx, by reason (the error code: invalid-query, too-large, rate-limited, network-cap...)',
      labelNames: ['reason'] as const,
      registers,
    }),
    frames: new Counter({
      name: 'outage_frames_total',
      help: 'Frames broadcast (one per room per change)',
      registers,
    }),
    frameBytes: new Histogram({
      name: 'outage_frame_bytes',
      help: 'Size of broadcast frames in bytes',
      buckets: [64, 128, 256, 512, 1024, 4096, 16384, 65536],
      registers,
    }),
    snapshots: new Counter({
      name: 'outage_room_snapshots_total',
      help: 'Whole snapshots pushed to a room because its playhead moved (a producer, a pause at the present, a simulation)',
      registers,
    }),
    rooms: new Gauge({
      name: 'outage_playhead_rooms',
      help: 'Playhead rooms held (live, replay, channel)',
      registers,
    }),
    roomFailures: new Counter({
      name: 'outage_room_failures_total',
      help: 'Frame computations that failed (a store read), by room kind; each is retried',
      labelNames: ['kind'] as const,
      registers,
    }),
    watchRefused: new Counter({
      name: 'outage_watch_refused_total',
      help: 'Socket.IO watch requests refused, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
    channels: new Gauge({
      name: 'outage_channels',
      help: 'Named channels',
      registers,
    }),
    sockets: new Gauge({
      name: 'outage_sockets',
      help: 'Connected Socket.IO clients',
      registers,
    }),
  };
}
