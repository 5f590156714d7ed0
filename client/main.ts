import type * as maplibregl from 'maplibre-gl';
import { DEFAULT_HEAT_MAX, heatOf } from '../shared/heat.ts';
import type { CountryStates, Snapshot } from '../shared/protocol.ts';
import { HeatTween, type TweenStats } from './map/heat-tween.ts';
import { bindHover } from './map/hover.ts';
import { createMap, setHeat, whenMapReady, type MapPadding } from './map/map.ts';
import { LiveFeed } from './socket.ts';
import { TrendTracker } from './trend.ts';
import { DataClock } from './ui/data-clock.ts';
import { Legend } from './ui/legend.ts';
import { ServicePicker, fetchServices, serviceFromUrl, writeServiceToUrl } from './ui/service-picker.ts';
import { Status } from './ui/status.ts';
import { Tooltip } from './ui/tooltip.ts';
import { TopList } from './ui/top-list.ts';

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
    };
  }
}

const SERVICES_RETRY_MS = 5_000;

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const header = document.querySelector<HTMLElement>('.topbar')!;
const topPanel = byId('top');
const keyPanel = document.querySelector<HTMLElement>('.key')!;
const source = byId('source');

const narrow = () => window.innerWidth < 600;

/** Screen pixels the chrome covers at each edge, so the world is fitted into what stays visible. */
function padding(): MapPadding {
  const gap = 8;
  const top = header.getBoundingClientRect().bottom + gap;
  const bottom = narrow() ? window.innerHeight - keyPanel.getBoundingClientRect().top + gap : gap;
  return { top, right: gap, bottom: Math.max(gap, bottom), left: gap };
}

const map = createMap(byId('map'), padding);
const tween = new HeatTween();
const trends = new TrendTracker();
const legend = new Legend(byId('legend'));
const topList = new TopList(topPanel);
const status = new Status(byId('connection'), byId('simulated'));
let heatMax = DEFAULT_HEAT_MAX;
let windowMinutes = 15;
let watched: string | undefined;

const feed = new LiveFeed({
  snapshot(snapshot, states) {
    heatMax = snapshot.heatMax;
    windowMinutes = snapshot.windowMinutes;
    if (snapshot.service !== watched) trends.reset();
    watched = snapshot.service;
    trends.record(snapshot.t, states);
    // A snapshot replaces everything: countries hot before but absent now must cool to zero.
    const targets = new Map<string, number>();
    for (const code of tween.codes()) targets.set(code, 0);
    for (const [code, s] of Object.entries(states)) targets.set(code, heatOf(s.count, heatMax));
    tween.setTargets(targets);
    status.clock(snapshot.clock);
    legend.update(heatMax, windowMinutes);
    source.textContent = `User reports · ${windowMinutes}-minute window · Shapes: Natural Earth`;
    render(states);
  },
  frame(frame, states) {
    trends.record(frame.t, states);
    tween.setTargets(Object.entries(frame.changes).map(([code, s]) => [code, heatOf(s.count, heatMax)]));
    render(states);
  },
  connection: (state) => status.connection(state),
  error: (message) => topList.message(message),
});

const tooltip = new Tooltip(byId('tooltip'), {
  states: () => feed.states(),
  dataTime: () => feed.dataTime(),
  windowMinutes: () => windowMinutes,
});

function render(states: CountryStates): void {
  topList.update({ states, heatMax, windowMinutes, trend: (code, count) => trends.trend(code, count) });
  tooltip.refresh();
}

function watch(service: string): void {
  writeServiceToUrl(service);
  topList.message('Loading…');
  feed.watch(service);
}

const picker = new ServicePicker(byId<HTMLSelectElement>('service'), watch);
const requested = serviceFromUrl();

// The URL's service starts at once; the list only fills the picker (and picks a default).
async function loadServices(): Promise<void> {
  try {
    const services = await fetchServices();
    const chosen = requested ?? services[0]?.id;
    if (!chosen) {
      topList.message('No services yet');
      setTimeout(loadServices, SERVICES_RETRY_MS);
      return;
    }
    picker.setServices(services, watched ?? chosen);
    if (!requested) watch(chosen);
  } catch {
    if (!requested) topList.message('Waiting for the server…');
    setTimeout(loadServices, SERVICES_RETRY_MS);
  }
}

if (requested) {
  picker.setServices([], requested);
  watch(requested);
}
void loadServices();
new DataClock(byId('clock'), () => feed.dataTime()).start();
legend.update(heatMax, windowMinutes);
whenMapReady(map, () => tween.attach((code, heat) => setHeat(map, code, heat)));
bindHover(map, tooltip);

window.outageMap = {
  map,
  states: () => feed.states(),
  snapshot: () => feed.snapshot(),
  connection: () => feed.connection(),
  tweenStats: () => tween.stats(),
  dataTime: () => feed.dataTime(),
};
