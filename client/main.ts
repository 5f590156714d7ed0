import { DEFAULT_HEAT_MAX } from '../shared/heat.ts';
import type { CountryStates, ServiceInfo } from '../shared/protocol.ts';
import { MINUTE_MS } from '../shared/time.ts';
import { PlayheadFeed } from './feed.ts';
import { countryName, formatCount } from './format.ts';
import { applyLocale, t } from './i18n/index.ts';
import { onZoneChange } from './display-zone.ts';
import { bindHover } from './map/hover.ts';
import { panelPadding, visibleBoxes } from './map/framing.ts';
import { createMap, type MapPadding } from './map/map.ts';
import { mountHeat } from './map/mount-heat.ts';
import { DARK_PALETTE } from './map/palette.ts';
import { Playback } from './replay.ts';
import { MAIN, WATCH_ERRORS } from './strings.ts';
import { exposeTestHandle } from './test-handle.ts';
import { chooseRange, outside } from './timeline-range.ts';
import { TrendTracker } from './trend.ts';
import { Announcer } from './ui/announcer.ts';
import { DataClock } from './ui/data-clock.ts';
import { DataTable } from './ui/data-table.ts';
import { FirstLook } from './ui/first-look.ts';
import { IncidentList, span } from './ui/incidents.ts';
import { bindKeys } from './ui/keys.ts';
import { Legend } from './ui/legend.ts';
import { PlaybackControls } from './ui/playback.ts';
import { ProblemBreakdown } from './ui/problem-breakdown.ts';
import { ServicePicker, fetchServices } from './ui/service-picker.ts';
import { Status } from './ui/status.ts';
import { Timeline } from './ui/timeline.ts';
import { Tooltip } from './ui/tooltip.ts';
import { TopList } from './ui/top-list.ts';
import { readViewState, UrlWriter } from './url-state.ts';

// lang and dir on <html> and the static text in the reader's language, before anything is drawn.
applyLocale();

const SERVICES_RETRY_MS = 5_000;
const INCIDENTS_REFRESH_MS = 60_000;
/** Playhead, range and address bar follow the clock at this pace (the URL writer throttles itself). */
const TICK_MS = 200;

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const header = document.querySelector<HTMLElement>('.topbar')!;
const source = byId('source');

/** Every panel over the map (top bar, lists, dock, key), measured as laid out now. */
function panels(): HTMLElement[] {
  return [header, ...document.querySelectorAll<HTMLElement>('.chrome .panel')];
}

/** Screen pixels the chrome covers at each edge, so the world is fitted into what stays visible. */
function padding(): MapPadding {
  return panelPadding(visibleBoxes(panels()), window.innerWidth, window.innerHeight, 8);
}

const trends = new TrendTracker();
const legend = new Legend(byId('legend'));
const topList = new TopList(byId('top'));
// What people report, under the top list: the service's shares and the hovered country's.
const breakdown = new ProblemBreakdown(byId('top').appendChild(document.createElement('section')), { hoverHint: true });
/** The country under the pointer (or last tapped), whose own breakdown shows beside the service's. */
let focused: string | undefined;
const dataTable = new DataTable(byId('data'), byId<HTMLButtonElement>('data-toggle'));
const announcer = new Announcer(byId('announcer'), {
  say: (changes, more) =>
    [
      ...changes.map((c) =>
        t('a11y.change', { country: countryName(c.code), level: c.level === 'normal' ? t('a11y.back') : t(`level.${c.level}`), reports: formatCount(c.count), count: c.count }),
      ),
      ...(more > 0 ? [t('a11y.more', { count: more })] : []),
    ].join('. '),
  // A drag over the timeline passes through many moments; none of them is news.
  quiet: () => timeline.scrubbing(),
});
const status = new Status(byId('connection'), byId('simulated'));
let heatMax = DEFAULT_HEAT_MAX;
let windowMinutes = 15;
let shownService: string | undefined;
let shownT = 0;
let services: ServiceInfo[] = [];

const feed = new PlayheadFeed();
feed.on('snapshot', (snapshot, states) => {
  heatMax = snapshot.heatMax;
  windowMinutes = snapshot.windowMinutes;
  // Trend arrows compare with a minute earlier; after a jump (seek, other service) that is
  // meaningless, and what a jump lands on is a new starting point, not a change to announce.
  const jumped = snapshot.service !== shownService || Math.abs(snapshot.t - shownT) > 2 * MINUTE_MS;
  if (jumped) trends.reset();
  if (jumped) announcer.reset(states);
  else announcer.update(states);
  shownService = snapshot.service;
  shownT = snapshot.t;
  trends.record(snapshot.t, states);
  status.clock(snapshot.clock);
  status.mode(snapshot.mode);
  legend.update(DARK_PALETTE, heatMax, windowMinutes);
  source.textContent = MAIN.source(snapshot.mode === 'replay', windowMinutes);
  playback.confirm(snapshot);
  render(states);
});
feed.on('frame', (frame, states) => {
  shownT = frame.t;
  trends.record(frame.t, states);
  announcer.update(states);
  render(states);
});
feed.on('connection', (state) => status.connection(state));
feed.on('refused', (error) => {
  const text = WATCH_ERRORS[error.code];
  if (feed.snapshot()) controls.say(text);
  else topList.message(text);
  playback.refused();
});

const playback = new Playback(feed, new UrlWriter());
// A quiet live map says so and offers the latest outage as a one-click replay.
const firstLook = new FirstLook(byId('top'), (state) => playback.open(state));

const tooltip = new Tooltip(byId('tooltip'), {
  states: () => feed.states(),
  dataTime: () => playback.dataTime(),
  windowMinutes: () => windowMinutes,
});

function render(states: CountryStates): void {
  const input = { states, heatMax, windowMinutes, trend: (code: string, count: number) => trends.trend(code, count) };
  topList.update(input);
  dataTable.update({ ...input, problems: feed.problems() });
  breakdown.update({ service: feed.problems(), country: focused ? { code: focused, shares: states[focused]?.problems } : undefined, windowMinutes });
  firstLook.update({ service: playback.service(), mode: feed.snapshot()?.mode ?? 'live', states, windowMinutes });
  tooltip.refresh();
}

const timeline = new Timeline(byId('timeline'), {
  dataTime: () => playback.dataTime(),
  states: () => feed.states(),
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
bindKeys(playback, {
  start: () => timeline.range()?.from,
  end: () => timeline.range()?.to,
  slider: () => byId('timeline').querySelector<HTMLElement>('.timeline-plot')!,
  mirrored: () => timeline.mirrored(),
  now: () => feed.serverNow(),
});

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
    timeline.show(service, mode, choice.from, choice.to);
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
    status.service(services.some((s) => s.id === service && s.simulated));
    void listIncidents(service);
  }
  updateRange();
});

const picker = new ServicePicker(byId<HTMLSelectElement>('service'), (service) => {
  topList.message(MAIN.loading);
  playback.switchService(service);
});
const requested = readViewState();

// The URL's state starts at once; the list only fills the picker (and picks a default).
async function loadServices(): Promise<void> {
  try {
    services = await fetchServices();
    const chosen = requested.service ?? services[0]?.id;
    if (!chosen) {
      topList.message(MAIN.noServices);
      setTimeout(loadServices, SERVICES_RETRY_MS);
      return;
    }
    picker.setServices(services, playback.service() ?? chosen);
    status.service(services.some((s) => s.id === (playback.service() ?? chosen) && s.simulated));
    if (!requested.service) playback.live(chosen);
  } catch {
    if (!requested.service) topList.message(MAIN.waiting);
    setTimeout(loadServices, SERVICES_RETRY_MS);
  }
}

if (requested.service) {
  topList.message(MAIN.loading);
  playback.open(requested);
}
void loadServices();
new DataClock(byId('clock'), () => playback.dataTime(), () => feed.snapshot()?.clock.simulated === true).start();
// The chart's axis reads the clock's zone: one zone on the page at a time.
onZoneChange(() => timeline.redraw());
legend.update(DARK_PALETTE, heatMax, windowMinutes);
// Created once the chrome is built, so the first fit already knows how much the dock covers.
// The view lives in the hash (`#zoom/lat/lng`) beside the moment in the query: one link, both.
const map = createMap(byId('map'), padding, { hash: true });
// The canvas stays a tab stop: its keys pan and zoom (keys.ts leaves them to it), and its name
// says so and points to the table, which is the map's content for a screen reader.
map.getCanvas().setAttribute('aria-label', t('a11y.mapLabel'));
// Panels change height as data arrives (the top list fills, the controls wrap); a map resize
// refits the world to what stays visible, unless the viewer has moved the map.
const chromeSizes = new ResizeObserver(() => map.resize());
// Every panel, incidents opening and closing included, moves the visible area.
for (const panel of panels()) chromeSizes.observe(panel);
const heat = mountHeat(map, feed);
bindHover(map, {
  show: (target, x, y) => {
    tooltip.show(target, x, y);
    if (focused !== target.code) {
      focused = target.code;
      render(feed.states());
    }
  },
  hide: () => {
    tooltip.hide();
    if (focused === undefined) return;
    focused = undefined;
    render(feed.states());
  },
});

window.setInterval(() => {
  timeline.tick();
  updateRange();
  if (playback.mode() === 'replay' && playback.playing()) playback.syncUrl();
}, TICK_MS);
window.setInterval(() => {
  if (listedService) void listIncidents(listedService);
}, INCIDENTS_REFRESH_MS);

exposeTestHandle(map, feed, heat);
