import { DEFAULT_HEAT_MAX, heatOf } from '../../shared/heat.ts';
import type { CountryStates } from '../../shared/protocol.ts';
import { ChannelFeed } from '../channel-feed.ts';
import { countryName, formatCount } from '../format.ts';
import { BROADCAST_SAFE_RATE, HeatTween } from '../map/heat-tween.ts';
import { createMap, setHeat, whenMapReady, type MapPadding } from '../map/map.ts';
import { paletteFor } from '../map/palette.ts';
import { hottest } from '../screen/counters.ts';
import { readScreenParams, serviceTitle } from '../screen/params.ts';
import { Legend } from '../ui/legend.ts';
import './embed.css';

/*
 * The article embed: the map, a small key and one caption line, live only. No timeline, no panels,
 * no pointer handling: it must load fast inside someone else's page and never trap its scrolling.
 */

const params = readScreenParams(location.search);
const target = params.target && 'service' in params.target ? params.target : undefined;
const palette = paletteFor(params.theme);
document.documentElement.dataset.theme = params.theme;

const caption = document.getElementById('caption')!;
caption.innerHTML = '<strong class="caption-service"></strong><span class="caption-detail"></span><span class="caption-link" hidden>Reconnecting…</span><a class="caption-open" target="_blank" rel="noopener">Open the live map</a>';
const serviceEl = caption.querySelector<HTMLElement>('.caption-service')!;
const detail = caption.querySelector<HTMLElement>('.caption-detail')!;
const linkNote = caption.querySelector<HTMLElement>('.caption-link')!;
const open = caption.querySelector<HTMLAnchorElement>('.caption-open')!;
const legendBox = document.getElementById('legend-box')!;

const service = target?.service ?? '';
serviceEl.textContent = service ? serviceTitle(service) : 'outage-map';
open.href = new URL(service ? `/?service=${encodeURIComponent(service)}` : '/', location.href).href;
detail.textContent = service ? 'Loading…' : 'Add ?service=NAME to the embed address';

let heatMax = DEFAULT_HEAT_MAX;
let windowMinutes = 15;
const legend = new Legend(document.getElementById('legend')!);
legend.update(palette, heatMax, windowMinutes);
// Rate-limited like the screens: an embed also plays unattended in front of readers.
const tween = new HeatTween({ maxRatePerSecond: BROADCAST_SAFE_RATE });

function padding(): MapPadding {
  const gap = 6;
  const bottom = window.innerHeight - caption.getBoundingClientRect().top + gap;
  const legendBottom = legendBox.getBoundingClientRect().bottom + gap;
  return { top: Math.min(legendBottom, window.innerHeight / 3), right: gap, bottom: Math.min(bottom, window.innerHeight / 3), left: gap };
}

const map = createMap(document.getElementById('map')!, padding, { palette, interactive: false });

function describe(states: CountryStates): string {
  const [top] = hottest(states, 1);
  if (!top) return `No reports in the last ${formatCount(windowMinutes)} minutes`;
  return `Most reports: ${countryName(top[0])} ${formatCount(top[1])} in ${formatCount(windowMinutes)} min`;
}

function show(text: string): void {
  if (detail.textContent !== text) detail.textContent = text;
}

const feed = new ChannelFeed(target, {
  snapshot(snapshot, states) {
    heatMax = snapshot.heatMax;
    windowMinutes = snapshot.windowMinutes;
    legend.update(palette, heatMax, windowMinutes);
    const targets = new Map<string, number>();
    for (const code of tween.codes()) targets.set(code, 0);
    for (const [code, s] of Object.entries(states)) targets.set(code, heatOf(s.count, heatMax));
    tween.setTargets(targets);
    show(describe(states));
  },
  frame(frame, states) {
    tween.setTargets(Object.entries(frame.changes).map(([code, s]) => [code, heatOf(s.count, heatMax)]));
    show(describe(states));
  },
  connection(state) {
    linkNote.hidden = state === 'live' || !target;
  },
  refused(message) {
    show(`Not available: ${message}`);
  },
});

whenMapReady(map, () => tween.attach((code, heat) => setHeat(map, code, heat)));

window.outageMap = {
  map,
  states: () => feed.states(),
  snapshot: () => feed.snapshot(),
  connection: () => feed.connection(),
  tweenStats: () => tween.stats(),
  dataTime: () => feed.dataTime(),
  mode: () => 'live',
  playing: () => true,
  speed: () => feed.snapshot()?.clock.speed ?? 1,
  channel: () => undefined,
  clockOffset: () => feed.offsetMs(),
};
