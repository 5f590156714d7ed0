import { DEFAULT_HEAT_MAX } from '../../shared/heat.ts';
import type { CountryStates } from '../../shared/protocol.ts';
import { PlayheadFeed } from '../feed.ts';
import { countryName, formatCount } from '../format.ts';
import { BROADCAST_SAFE_RATE } from '../map/heat-tween.ts';
import { createMap, type MapPadding } from '../map/map.ts';
import { mountHeat } from '../map/mount-heat.ts';
import { paletteFor } from '../map/palette.ts';
import { hottest } from '../screen/counters.ts';
import { readScreenParams, serviceTitle } from '../screen/params.ts';
import { applyLocale, t } from '../i18n/index.ts';
import { LINK_NOTES, WATCH_ERRORS } from '../strings.ts';
import { exposeTestHandle } from '../test-handle.ts';
import { Legend } from '../ui/legend.ts';
import { simulatedMark } from '../ui/sim-mark.ts';
import '../styles/tokens.css';
import '../styles/base.css';
import '../styles/legend.css';
import '../styles/sim-mark.css';
import './embed.css';

/*
 * The article embed: the map, a small key and one caption line, live only. No timeline, no panels,
 * no pointer handling: it must load fast inside someone else's page and never trap its scrolling.
 */

applyLocale();
const params = readScreenParams(location.search);
const target = params.target && 'service' in params.target ? params.target : undefined;
const palette = paletteFor(params.theme);
document.documentElement.dataset.theme = params.theme;

function span(className: string): HTMLElement {
  return Object.assign(document.createElement('span'), { className });
}

const caption = document.getElementById('caption')!;
const serviceEl = Object.assign(document.createElement('strong'), { className: 'caption-service' });
const simulated = simulatedMark();
const detail = span('caption-detail');
const linkNote = span('caption-link');
const open = Object.assign(document.createElement('a'), { className: 'caption-open', target: '_blank', rel: 'noopener', textContent: t('embed.open') });
simulated.hidden = true;
linkNote.hidden = true;
caption.replaceChildren(serviceEl, simulated, detail, linkNote, open);
const legendBox = document.getElementById('legend-box')!;

const service = target?.service ?? '';
serviceEl.textContent = service ? serviceTitle(service) : t('app.brand');
open.href = new URL(service ? `/?service=${encodeURIComponent(service)}` : '/', location.href).href;
detail.textContent = service ? t('common.loading') : t('embed.noTarget');

let windowMinutes = 15;
const legend = new Legend(document.getElementById('legend')!);
legend.update(palette, DEFAULT_HEAT_MAX, windowMinutes);

function padding(): MapPadding {
  const gap = 6;
  const bottom = window.innerHeight - caption.getBoundingClientRect().top + gap;
  const legendBottom = legendBox.getBoundingClientRect().bottom + gap;
  return { top: Math.min(legendBottom, window.innerHeight / 3), right: gap, bottom: Math.min(bottom, window.innerHeight / 3), left: gap };
}

const map = createMap(document.getElementById('map')!, padding, { palette, interactive: false });
// MapLibre labels its canvas "Map" in English; the page's own label replaces it.
map.getCanvas().setAttribute('aria-label', t('main.mapLabel'));

function describe(states: CountryStates): string {
  const [top] = hottest(states, 1);
  return top
    ? t('embed.most', { country: countryName(top[0]), reports: formatCount(top[1]), count: windowMinutes })
    : t('main.noReports', { count: windowMinutes });
}

function show(text: string): void {
  if (detail.textContent !== text) detail.textContent = text;
}

// An embed, like a screen, plays unattended in front of readers: it keeps asking for its service.
const feed = new PlayheadFeed({ retry: (code) => code !== 'unsupported-protocol' && code !== 'invalid-request' });
feed.on('snapshot', (snapshot, states) => {
  windowMinutes = snapshot.windowMinutes;
  legend.update(palette, snapshot.heatMax, windowMinutes);
  simulated.hidden = !snapshot.clock.simulated;
  show(describe(states));
});
feed.on('frame', (_frame, states) => show(describe(states)));
feed.on('connection', (state) => {
  linkNote.hidden = state === 'live';
  linkNote.textContent = LINK_NOTES[state];
});
feed.on('refused', (error) => show(t('embed.unavailable', { reason: WATCH_ERRORS[error.code] })));
// Rate-limited like the screens: an embed also plays unattended in front of readers.
const heat = mountHeat(map, feed, { maxRatePerSecond: BROADCAST_SAFE_RATE });
if (target) feed.watch(target);

exposeTestHandle(map, feed, heat);
