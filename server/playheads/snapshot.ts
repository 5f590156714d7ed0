import { hasShares } from '../../shared/problems.ts';
import { PROTOCOL_VERSION, type Snapshot } from '../../shared/protocol.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import type { Config } from '../config.ts';

/** A snapshot from its parts, with the settings every client needs to draw it. */
export function buildSnapshot(
  config: Config,
  parts: Pick<Snapshot, 'service' | 'mode' | 'seq' | 'clock' | 'countries' | 'channel' | 'problems'> & { range: { from: number; to: number } | null },
): Snapshot {
  const { range, channel, problems, ...rest } = parts;
  return {
    protocol: PROTOCOL_VERSION,
    ...rest,
    t: parts.clock.t,
    windowMinutes: config.windowMinutes,
    frameMs: config.frameMs,
    heatMax: config.heatMax,
    range: range && { from: range.from * MINUTE_MS, to: range.to * MINUTE_MS },
    ...(channel ? { channel } : {}),
    // Left out when no report named a problem, as a country's own shares are.
    ...(hasShares(problems) ? { problems } : {}),
  };
}
