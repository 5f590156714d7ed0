import type { GeoJSONSource } from 'maplibre-gl';
import { DEFAULT_HEAT_MAX } from '../../shared/heat.ts';
import type { CountryStates, Snapshot, Theme } from '../../shared/protocol.ts';
import { MINUTE_MS } from '../../shared/time.ts';
import { PlayheadFeed, type FeedErrorCode } from '../feed.ts';
import { countryBounds, countryCentres } from '../map/bounds.ts';
import { panelPadding, visibleBoxes } from '../map/framing.ts';
import { BROADCAST_SAFE_RATE } from '../map/heat-tween.ts';
import { applyPalette, createMap, projectionFrom, SOURCE_ID, whenMapReady, type MapPadding } from '../map/map.ts';
import { mountHeat } from '../map/mount-heat.ts';
import { paletteFor } from '../map/palette.ts';
import { applyLocale, locale, setLocale, t } from '../i18n/index.ts';
import { LINK_NOTES, WATCH_ERRORS } from '../strings.ts';
import { exposeTestHandle } from '../test-handle.ts';
import { TrendTracker } from '../trend.ts';
import { Legend } from '../ui/legend.ts';
import { ProblemBreakdown } from '../ui/problem-breakdown.ts';
import { ScreenCamera } from './camera.ts';
import { Counters } from './counters.ts';
import { OnAir } from './on-air.ts';
import { readScreenParams, screenLocale, serviceTitle, validZone } from './params.ts';
import { SourceLine } from './source-line.ts';
import '../styles/tokens.css';
import '../styles/base.css';
import '../styles/legend.css';
import '../styles/sim-mark.css';
import '../styles/problems.css';
import './screen.css';

const COUNTERS = 5;
/** Trend samples are kept at most this often in data time, so a slow replay cannot pile them up. */
const TREND_SAMPLE_MS = 5_000;
/** Below this much history (just after a seek, or a paused replay) no arrow is better than a guess. */
const TREND_MIN_SPAN_MS = 30_000;

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

// lang and dir on <html> (?lang=ar) before any text is drawn.
applyLocale();
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
  const panels = visibleBoxes([header, counterPanel, ...footer.children]);
  return panelPadding(panels, window.innerWidth, window.innerHeight, window.innerHeight * 0.02);
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
// What people report under the counters: the channel's choice, else the address's (`?problems=1`).
const breakdown = new ProblemBreakdown(counterPanel.appendChild(document.createElement('section')));
const legend = new Legend(byId('legend'));
// World copies: a frame across the Pacific (the US and Japan) needs them; the floor of one world
// across the visible map keeps any country from showing twice beside the chrome.
const map = createMap(byId('map'), padding, {
  palette,
  interactive: false,
  fitWorldOnResize: false,
  worldCopies: true,
  visibleWidth: () => {
    const p = padding();
    return window.innerWidth - p.left - p.right;
  },
  projection: projectionFrom(location.search),
});
const sourceLine = new SourceLine(source);
// MapLibre labels its canvas "Map" in English; the page's own label replaces it.
map.getCanvas().setAttribute('aria-label', t('main.mapLabel'));

/**
 * Switches the page's language in place when the channel's `locale` changes (no reload, so the
 * screen never goes blank on air): lang/dir and static words now; the snapshot that brought the
 * change then redraws the headline, counters, legend and source line in the new language.
 */
function followLanguage(channelLocale: string | undefined): void {
  const next = screenLocale(location.search, params.target, channelLocale, navigator.languages);
  if (next.tag === locale().tag) return;
  setLocale(next);
  applyLocale();
  map.getCanvas().setAttribute('aria-label', t('main.mapLabel'));
}
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
  counters.update(states, heatMax, palette, (code, count) => (known ? trends.trend(code, count) : undefined), t('main.noReports', { count: windowMinutes }));
  camera.follow(states);
  const showProblems = feed.channel()?.problems ?? params.problems;
  breakdown.update({ service: showProblems ? feed.problems() : {}, windowMinutes });
  writeSource();
}

function setTheme(next: Theme): void {
  if (next === theme) return;
  theme = next;
  palette = paletteFor(theme);
  document.documentElement.dataset.theme = theme;
  whenMapReady(map, () => applyPalette(map, palette));
}

/** The source line, with "simulated" or the reconstruction's note and sources when they apply. */
function writeSource(): void {
  sourceLine.update(feed.snapshot(), feed.dataTime(), feed.serverNow(), t('screen.source', { count: windowMinutes }));
}

function timeZone(): string {
  const zone = feed.channel()?.timeZone;
  return zone && validZone(zone) ? zone : params.timeZone;
}

/** Everything the producer (or the address) chose: look, words and camera. */
function applyLook(snapshot: Snapshot): void {
  const channel = snapshot.channel;
  setTheme(channel?.theme ?? params.theme);
  const title = channel?.headline || params.headline || t('screen.headline', { service: serviceTitle(snapshot.service) });
  if (headline.textContent !== title) headline.textContent = title;
  document.title = title;
  camera.setCamera(channel?.camera ?? { mode: 'auto' });
  legend.update(palette, heatMax, windowMinutes);
  writeSource();
}

function say(title: string, detail: string): void {
  notice.replaceChildren(Object.assign(document.createElement('h1'), { textContent: title }), Object.assign(document.createElement('p'), { textContent: detail }));
  notice.hidden = false;
}

const target = params.target;
// An unattended screen keeps asking until what it follows exists; only a page too old gives up.
const feed = new PlayheadFeed({ retry: (code: FeedErrorCode) => code !== 'unsupported-protocol' && code !== 'invalid-request' });
feed.on('snapshot', (snapshot, states) => {
  followLanguage(snapshot.channel?.locale);
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
  const what = target && 'channel' in target ? t('screen.channelOff', { name: target.channel }) : t('screen.serviceOff', { name: target?.service ?? '' });
  say(what, retrying ? `${WATCH_ERRORS[error.code]} ${t('retrying')}` : WATCH_ERRORS[error.code]);
});
const heat = mountHeat(map, feed, { maxRatePerSecond: BROADCAST_SAFE_RATE });
if (target) feed.watch(target);
else say(t('screen.noTarget'), t('screen.noTargetDetail'));
linkNote.hidden = true;
legend.update(palette, heatMax, windowMinutes);
new OnAir(byId('onair'), () => ({ snapshot: feed.snapshot(), dataTime: feed.dataTime(), timeZone: timeZone(), now: feed.serverNow() })).start();

whenMapReady(map, () => {
  // The shapes are already in the map's worker; ask it for them rather than download them again.
  (map.getSource(SOURCE_ID) as GeoJSONSource)
    .getData()
    .then((data) => {
      if (data.type === 'FeatureCollection') camera.setCountryBounds(countryBounds(data), countryCentres(data));
    })
    .catch(() => undefined);
});
map.on('resize', () => camera.resize());

exposeTestHandle(map, feed, heat);
