import type { GeoJSONSource } from 'maplibre-gl';
import { DEFAULT_HEAT_MAX } from '../../shared/heat.ts';
import type { CountryStates, Snapshot, Theme } from '../../shared/protocol.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import { PlayheadFeed, type FeedErrorCode } from '../feed.ts';
import { formatCount } from '../format.ts';
import { countryBounds } from '../map/bounds.ts';
import { BROADCAST_SAFE_RATE } from '../map/heat-tween.ts';
import { applyPalette, createMap, SOURCE_ID, whenMapReady, type MapPadding } from '../map/map.ts';
import { mountHeat } from '../map/mount-heat.ts';
import { paletteFor } from '../map/palette.ts';
import { LINK_NOTES, RETRYING, SCREEN, WATCH_ERRORS } from '../strings.ts';
import { exposeTestHandle } from '../test-handle.ts';
import { TrendTracker } from '../trend.ts';
import { Legend } from '../ui/legend.ts';
import { ScreenCamera } from './camera.ts';
import { Counters } from './counters.ts';
import { OnAir } from './on-air.ts';
import { readScreenParams, serviceTitle, validZone } from './params.ts';
import '../styles/tokens.css';
import '../styles/base.css';
import '../styles/legend.css';
import '../styles/sim-mark.css';
import './screen.css';

const COUNTERS = 5;
/** Trend samples are kept at most this often in data time, so a slow replay cannot pile them up. */
const TREND_SAMPLE_MS = 5_000;
/** Below this much history (just after a seek, or a paused replay) no arrow is better than a guess. */
const TREND_MIN_SPAN_MS = 30_000;

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const params = readScreenParams(location.search);
const header = byId('head');
const counterPanel = byId('counters');
const footer = byId('foot');
const headline = byId('headline');
const source = byId('source');
const linkNote = byId('link');
const notice = byId('notice');

/** Screen pixels the chrome covers, so the camera frames countries in what stays visible. */
function padding(): MapPadding {
  const gap = window.innerHeight * 0.02;
  const top = header.getBoundingClientRect().bottom + gap;
  const left = counterPanel.hidden ? window.innerWidth * 0.05 : counterPanel.getBoundingClientRect().right + gap;
  const bottom = window.innerHeight - footer.getBoundingClientRect().top + gap;
  return { top, left, bottom, right: window.innerWidth * 0.05 };
}

let theme: Theme = params.theme;
let palette = paletteFor(theme);
document.documentElement.dataset.theme = theme;
let heatMax = DEFAULT_HEAT_MAX;
let windowMinutes = 15;
let trendService: string | undefined;
let trendT: number | undefined;
let trendFrom = 0;

const trends = new TrendTracker();
const counters = new Counters(counterPanel, COUNTERS);
const legend = new Legend(byId('legend'));
const map = createMap(byId('map'), padding, { palette, interactive: false, fitWorldOnResize: false });
const camera = new ScreenCamera(map, padding);

function recordTrend(service: string, t: number, states: CountryStates): void {
  // After a jump (seek, another service) "a minute ago" is meaningless: start over. A fast replay
  // moves several minutes per frame, which is not a jump.
  const clock = feed.snapshot()?.clock;
  const step = clock?.playing ? (feed.snapshot()?.frameMs ?? 1000) * clock.speed : 0;
  if (service !== trendService || trendT === undefined || t < trendT || t - trendT > Math.max(2 * MINUTE_MS, 3 * step)) {
    trends.reset();
    trendService = service;
    trendFrom = t;
  } else if (t - trendT < TREND_SAMPLE_MS) return;
  trendT = t;
  trends.record(t, states);
}

function render(states: CountryStates): void {
  const known = trendT !== undefined && trendT - trendFrom >= TREND_MIN_SPAN_MS;
  counters.update(states, heatMax, palette, (code, count) => (known ? trends.trend(code, count) : undefined), SCREEN.noReports(formatCount(windowMinutes)));
  camera.follow(states);
}

function setTheme(next: Theme): void {
  if (next === theme) return;
  theme = next;
  palette = paletteFor(theme);
  document.documentElement.dataset.theme = theme;
  whenMapReady(map, () => applyPalette(map, palette));
}

function timeZone(): string {
  const zone = feed.channel()?.timeZone;
  return zone && validZone(zone) ? zone : params.timeZone;
}

/** Everything the producer (or the address) chose: look, words and camera. */
function applyLook(snapshot: Snapshot): void {
  const channel = snapshot.channel;
  setTheme(channel?.theme ?? params.theme);
  const title = channel?.headline || params.headline || SCREEN.headline(serviceTitle(snapshot.service));
  if (headline.textContent !== title) headline.textContent = title;
  document.title = title;
  camera.setCamera(channel?.camera ?? { mode: 'auto' });
  legend.update(palette, heatMax, windowMinutes);
  source.textContent = SCREEN.source(formatCount(windowMinutes));
}

function say(title: string, detail: string): void {
  notice.replaceChildren(Object.assign(document.createElement('h1'), { textContent: title }), Object.assign(document.createElement('p'), { textContent: detail }));
  notice.hidden = false;
}

const target = params.target;
// An unattended screen keeps asking until what it follows exists; only a page too old gives up.
const feed = new PlayheadFeed({ retry: (code: FeedErrorCode) => code !== 'unsupported-protocol' && code !== 'invalid-request' });
feed.on('snapshot', (snapshot, states) => {
  notice.hidden = true;
  heatMax = snapshot.heatMax;
  windowMinutes = snapshot.windowMinutes;
  recordTrend(snapshot.service, snapshot.t, states);
  applyLook(snapshot);
  render(states);
});
feed.on('frame', (frame, states) => {
  recordTrend(frame.service, frame.t, states);
  render(states);
});
feed.on('connection', (state) => {
  linkNote.hidden = state === 'live';
  linkNote.textContent = LINK_NOTES[state];
});
feed.on('refused', (error, _target, retrying) => {
  const what = target && 'channel' in target ? SCREEN.channelOff(target.channel) : SCREEN.serviceOff(target?.service ?? '');
  say(what, retrying ? `${WATCH_ERRORS[error.code]} ${RETRYING}` : WATCH_ERRORS[error.code]);
});
const heat = mountHeat(map, feed, { maxRatePerSecond: BROADCAST_SAFE_RATE });
if (target) feed.watch(target);
else say(SCREEN.noTarget, SCREEN.noTargetDetail);
linkNote.hidden = true;
legend.update(palette, heatMax, windowMinutes);
new OnAir(byId('onair'), () => ({ snapshot: feed.snapshot(), dataTime: feed.dataTime(), timeZone: timeZone(), now: feed.serverNow() })).start();

whenMapReady(map, () => {
  // The shapes are already in the map's worker; ask it for them rather than download them again.
  (map.getSource(SOURCE_ID) as GeoJSONSource)
    .getData()
    .then((data) => {
      if (data.type === 'FeatureCollection') camera.setCountryBounds(countryBounds(data));
    })
    .catch(() => undefined);
});
map.on('resize', () => camera.resize());

exposeTestHandle(map, feed, heat);
