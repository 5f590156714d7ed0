import type * as maplibregl from 'maplibre-gl';
import { DEFAULT_HEAT_MAX, heatOf } from '../shared/heat.ts';
import type { ChannelState, CountryStates, Mode, Snapshot } from '../shared/protocol.ts';
import { MINUTE_MS } from '../shared/time.ts';
import { HeatTween, type TweenStats } from './map/heat-tween.ts';
import { bindHover } from './map/hover.ts';
import { createMap, setHeat, whenMapReady, type MapPadding } from './map/map.ts';
import { DARK_PALETTE } from './map/palette.ts';
import { Playback } from './replay.ts';
import { Feed } from './socket.ts';
import { chooseRange, outside } from './timeline-range.ts';
import { TrendTracker } from './trend.ts';
import { DataClock } from './ui/data-clock.ts';
import { IncidentList, span } from './ui/incidents.ts';
import { bindKeys } from './ui/keys.ts';
import { Legend } from './ui/legend.ts';
import { PlaybackControls } from './ui/playback.ts';
import { ServicePicker, fetchServices } from './ui/service-picker.ts';
import { Status } from './ui/status.ts';
import { Timeline } from './ui/timeline.ts';
import { Tooltip } from './ui/tooltip.ts';
import { TopList } from './ui/top-list.ts';
import { readViewState, UrlWriter } from './url-state.ts';

declare global {
  interface Window {
    /** Handles for end-to-end tests and measurement; not an API for other scripts. */
    outageMap: {
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
    };
  }
}

const SERVICES_RETRY_MS = 5_000;
const INCIDENTS_REFRESH_MS = 60_000;
/** Playhead, range and address bar follow the clock at this pace (the URL writer throttles itself). */
const TICK_MS = 200;

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const header = document.querySelector<HTMLElement>('.topbar')!;
const dock = document.querySelector<HTMLElement>('.dock')!;
const key = document.querySelector<HTMLElement>('.key')!;
const source = byId('source');

/** Screen pixels the chrome covers at each edge, so the world is fitted into what stays visible. */
function padding(): MapPadding {
  const gap = 8;
  const top = header.getBoundingClientRect().bottom + gap;
  // The dock and the key cover the bottom (on a phone they are stacked, the key on top).
  const bottom = window.innerHeight - Math.min(dock.getBoundingClientRect().top, key.getBoundingClientRect().top) + gap;
  return { top, right: gap, bottom: Math.max(gap, Math.min(bottom, window.innerHeight / 2)), left: gap };
}

const tween = new HeatTween();
const trends = new TrendTracker();
const legend = new Legend(byId('legend'));
const topList = new TopList(byId('top'));
const status = new Status(byId('connection'), byId('simulated'));
let heatMax = DEFAULT_HEAT_MAX;
let windowMinutes = 15;
let shownService: string | undefined;
let shownT = 0;

const feed = new Feed({
  snapshot(snapshot, states) {
    heatMax = snapshot.heatMax;
    windowMinutes = snapshot.windowMinutes;
    // Trend arrows compare with a minute earlier; after a jump (seek, other service) that is meaningless.
    if (snapshot.service !== shownService || Math.abs(snapshot.t - shownT) > 2 * MINUTE_MS) trends.reset();
    shownService = snapshot.service;
    shownT = snapshot.t;
    trends.record(snapshot.t, states);
    // A snapshot replaces everything: countries hot before but absent now must cool to zero.
    const targets = new Map<string, number>();
    for (const code of tween.codes()) targets.set(code, 0);
    for (const [code, s] of Object.entries(states)) targets.set(code, heatOf(s.count, heatMax));
    tween.setTargets(targets);
    status.clock(snapshot.clock);
    status.mode(snapshot.mode);
    legend.update(DARK_PALETTE, heatMax, windowMinutes);
    source.textContent = `${snapshot.mode === 'replay' ? 'Stored reports' : 'User reports'} · ${windowMinutes}-minute window · Shapes: Natural Earth`;
    playback.confirm(snapshot);
    render(states);
  },
  frame(frame, states) {
    shownT = frame.t;
    trends.record(frame.t, states);
    tween.setTargets(Object.entries(frame.changes).map(([code, s]) => [code, heatOf(s.count, heatMax)]));
    render(states);
  },
  clock: (clock) => playback.clock(clock),
  connection: (state) => status.connection(state),
  error(message) {
    if (feed.snapshot()) controls.say(message);
    else topList.message(message);
    playback.refused();
  },
});

const playback = new Playback(feed, new UrlWriter());

const tooltip = new Tooltip(byId('tooltip'), {
  states: () => feed.states(),
  dataTime: () => playback.dataTime(),
  windowMinutes: () => windowMinutes,
});

function render(states: CountryStates): void {
  topList.update({ states, heatMax, windowMinutes, trend: (code, count) => trends.trend(code, count) });
  tooltip.refresh();
}

const timeline = new Timeline(byId('timeline'), {
  dataTime: () => playback.dataTime(),
  frameTime: () => feed.frameTime(),
  now: () => feed.serverNow(),
  scrub: (t) => playback.seek(t),
});

const incidentsPanel = byId<HTMLDetailsElement>('incidents');
// Open beside the map on wide screens; on a phone it is a drawer the viewer opens.
incidentsPanel.open = window.innerWidth >= 600;
const incidents = new IncidentList(incidentsPanel, (state) => {
  playback.open(state);
  if (window.innerWidth < 600) incidentsPanel.open = false;
});

/** "Jump to peak": the incident around the playhead, else the highest total in view. */
function peakTime(): number | undefined {
  return incidents.around(playback.dataTime(), feed.serverNow())?.peak ?? timeline.peak();
}

const controls = new PlaybackControls(byId('controls'), playback, { peak: peakTime });
bindKeys(playback, { start: () => timeline.range()?.from });

let rangeKey = '';
let listedService: string | undefined;

/**
 * Picks the timeline's range for the playhead (see timeline-range.ts). A new choice replaces the
 * chart only when the old one no longer holds the playhead, the service or mode changed, or the
 * playhead entered an incident; otherwise the chart stays still under the viewer.
 */
function updateRange(): void {
  const service = playback.service();
  if (!service || timeline.scrubbing()) return;
  const t = playback.dataTime();
  const now = feed.serverNow();
  const incident = incidents.around(t, now);
  incidents.highlight(incident?.id);
  const mode = playback.mode();
  const choice = chooseRange({ mode, t, now, stored: feed.snapshot()?.range ?? null, incident });
  const key = `${service}|${mode}|${choice.key}`;
  const base = timeline.base();
  const stale = !base || base.service !== service || outside(base, t);
  const modeChanged = !rangeKey.startsWith(`${service}|${mode}|`);
  if (stale || (key !== rangeKey && (modeChanged || choice.key.startsWith('incident:')))) {
    rangeKey = key;
    timeline.show(service, choice.from, choice.to);
  }
}

async function listIncidents(service: string): Promise<void> {
  await incidents.load(service);
  timeline.setIncidentSpans(incidents.all().map((i) => span(i, feed.serverNow())));
  updateRange();
}

playback.onChange(() => {
  const service = playback.service();
  if (service && service !== listedService) {
    listedService = service;
    picker.show(service);
    void listIncidents(service);
  }
  updateRange();
});

const picker = new ServicePicker(byId<HTMLSelectElement>('service'), (service) => {
  topList.message('Loading…');
  playback.live(service);
});
const requested = readViewState();

// The URL's state starts at once; the list only fills the picker (and picks a default).
async function loadServices(): Promise<void> {
  try {
    const services = await fetchServices();
    const chosen = requested.service ?? services[0]?.id;
    if (!chosen) {
      topList.message('No services yet');
      setTimeout(loadServices, SERVICES_RETRY_MS);
      return;
    }
    picker.setServices(services, playback.service() ?? chosen);
    if (!requested.service) playback.live(chosen);
  } catch {
    if (!requested.service) topList.message('Waiting for the server…');
    setTimeout(loadServices, SERVICES_RETRY_MS);
  }
}

if (requested.service) {
  topList.message('Loading…');
  playback.open(requested);
}
void loadServices();
new DataClock(byId('clock'), () => playback.dataTime()).start();
legend.update(DARK_PALETTE, heatMax, windowMinutes);
// Created once the chrome is built, so the first fit already knows how much the dock covers.
const map = createMap(byId('map'), padding);
// Panels change height as data arrives (the top list fills, the controls wrap); a map resize
// refits the world to what stays visible, unless the viewer has moved the map.
const chromeSizes = new ResizeObserver(() => map.resize());
for (const panel of [dock, key, byId('top')]) chromeSizes.observe(panel);
whenMapReady(map, () => tween.attach((code, heat) => setHeat(map, code, heat)));
bindHover(map, tooltip);

window.setInterval(() => {
  timeline.tick();
  updateRange();
  if (playback.mode() === 'replay' && playback.playing()) playback.syncUrl();
}, TICK_MS);
window.setInterval(() => {
  if (listedService) void listIncidents(listedService);
}, INCIDENTS_REFRESH_MS);

window.outageMap = {
  map,
  states: () => feed.states(),
  snapshot: () => feed.snapshot(),
  connection: () => feed.connection(),
  tweenStats: () => tween.stats(),
  dataTime: () => feed.dataTime(),
  mode: () => feed.snapshot()?.mode ?? 'live',
  playing: () => feed.snapshot()?.clock.playing ?? true,
  speed: () => feed.snapshot()?.clock.speed ?? 1,
  channel: () => feed.snapshot()?.channel,
  clockOffset: () => feed.serverNow() - Date.now(),
};
