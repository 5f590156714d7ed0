import type * as maplibregl from 'maplibre-gl';
import type { ChannelState, CountryStates, Mode, Snapshot } from '../shared/protocol.ts';
import type { PlayheadFeed } from './feed.ts';
import type { TweenStats } from './map/heat-tween.ts';
import type { MountedHeat } from './map/mount-heat.ts';

/** Handles for end-to-end tests and measurement; not an API for other scripts. */
export interface TestHandle {
  map: maplibregl.Map;
  states(): CountryStates;
  snapshot(): Snapshot | undefined;
  connection(): string;
  tweenStats(): TweenStats;
  dataTime(): number;
  /** Mode, play state and speed of the frame on the map (the server's answer, not the request). */
  mode(): Mode;
  playing(): boolean;
  speed(): number;
  /** The named channel shown (kiosk screens); the main page never follows one. */
  channel(): ChannelState | undefined;
  /** Server clock minus this page's, in ms. */
  clockOffset(): number;
}

declare global {
  interface Window {
    outageMap: TestHandle;
  }
}

/** The same handle on every page, read from the page's one feed. */
export function exposeTestHandle(map: maplibregl.Map, feed: PlayheadFeed, heat: MountedHeat): void {
  window.outageMap = {
    map,
    states: () => feed.states(),
    snapshot: () => feed.snapshot(),
    connection: () => feed.connection(),
    tweenStats: () => heat.stats(),
    dataTime: () => feed.dataTime(),
    mode: () => feed.snapshot()?.mode ?? 'live',
    playing: () => feed.snapshot()?.clock.playing ?? true,
    speed: () => feed.snapshot()?.clock.speed ?? 1,
    channel: () => feed.channel(),
    clockOffset: () => feed.offsetMs(),
  };
}
