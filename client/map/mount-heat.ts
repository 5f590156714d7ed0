import type * as maplibregl from 'maplibre-gl';
import { heatOf } from '../../shared/heat.ts';
import type { Level } from '../../shared/protocol.ts';
import type { FeedEvents } from '../feed.ts';
import { HeatTween, type TweenStats } from './heat-tween.ts';
import { setHeat, setHeatMax, setLevel, whenMapReady } from './map.ts';

/** The part of a feed the heat needs: its snapshot and frame events. */
export interface HeatFeed {
  on(event: 'snapshot', listener: FeedEvents['snapshot']): unknown;
  on(event: 'frame', listener: FeedEvents['frame']): unknown;
}

export interface HeatOptions {
  /** Most heat a country may change per second (unattended screens); unset, only the easing applies. */
  maxRatePerSecond?: number;
}

export interface MountedHeat {
  stats(): TweenStats;
}

/**
 * Shades the map's countries from a feed: every snapshot and frame becomes tween targets on the
 * service's heat scale, and the tween writes feature-state once the map's shapes are in. The
 * same for the main page, the screens and the embed.
 */
export function mountHeat(map: maplibregl.Map, feed: HeatFeed, options: HeatOptions = {}): MountedHeat {
  const tween = new HeatTween({ maxRatePerSecond: options.maxRatePerSecond });
  let heatMax = 1;
  feed.on('snapshot', (snapshot, states) => {
    heatMax = snapshot.heatMax;
    setHeatMax(map, heatMax);
    // A snapshot replaces everything: countries hot before but absent now must cool to zero.
    const targets = new Map<string, number>();
    for (const code of tween.codes()) targets.set(code, 0);
    for (const [code, s] of Object.entries(states)) targets.set(code, heatOf(s.count, heatMax));
    tween.setTargets(targets);
    // Levels are not tweened: an outline appears or goes with the frame that changes the level.
    const shown = new Set(Object.keys(states));
    for (const code of levelled) if (!shown.has(code)) levels.set(code, 'normal');
    for (const [code, s] of Object.entries(states)) levels.set(code, s.level);
    writeLevels();
  });
  feed.on('frame', (frame) => {
    tween.setTargets(Object.entries(frame.changes).map(([code, s]) => [code, heatOf(s.count, heatMax)]));
    for (const [code, s] of Object.entries(frame.changes)) levels.set(code, s.level);
    writeLevels();
  });
  // Countries whose level was last written as other than normal, and levels waiting for the map.
  const levelled = new Set<string>();
  const levels = new Map<string, Level>();
  let ready = false;
  function writeLevels(): void {
    if (!ready) return;
    for (const [code, level] of levels) {
      setLevel(map, code, level);
      if (level === 'normal') levelled.delete(code);
      else levelled.add(code);
    }
    levels.clear();
  }
  whenMapReady(map, () => {
    ready = true;
    writeLevels();
    tween.attach((code, heat) => setHeat(map, code, heat));
  });
  return { stats: () => tween.stats() };
}
