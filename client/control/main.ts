import type { ChannelState, ChannelUpdate } from '../../shared/protocol.ts';
import { applyLocale, locale, t } from '../i18n/index.ts';
import { formatList, formatZoned, UTC } from '../format.ts';
import { ApiError, deleteChannel, fieldName, listChannels, listServices, messageOf, updateChannel } from './api.ts';
import { ChannelList } from './channel-list.ts';
import type { Driver, SendResult } from './context.ts';
import { IncidentPanel } from './incident-panel.ts';
import { bindKeys } from './keys.ts';
import { LookPanel } from './look-panel.ts';
import { PlayheadPanel } from './playhead.ts';

/** Other producers' changes show within this long (the brief: every 2 s). */
const POLL_MS = 2_000;
const SERVICES_RETRY_MS = 5_000;
/** Data times tick four times a second so a 3600× replay still reads as moving. */
const TICK_MS = 250;

// lang and dir on <html> and the static words (data-i18n) before any panel draws itself.
applyLocale();

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const controls = byId<HTMLFieldSetElement>('drive-controls');
const title = byId('drive-title');
const answer = byId('answer');
const preview = byId<HTMLAnchorElement>('preview');
const remove = byId<HTMLButtonElement>('delete');
const placeholder = byId('no-selection');
const expired = byId('expired');
const connection = byId('connection');

let channels: ChannelState[] = [];
/** Remembers the last channel driven, since the token login redirects to a bare `/control`. */
const LAST_KEY = 'outage-map.control.channel';
const remembered = (() => {
  try {
    return localStorage.getItem(LAST_KEY) ?? undefined;
  } catch {
    return undefined; // storage refused (private mode, policy): the URL alone then says it
  }
})();
let selected: string | undefined = new URLSearchParams(location.search).get('channel') ?? remembered;
let defaultService: string | undefined;
let busy = false;
/** Bumped by every write, so a poll that started before it cannot show an older state after it. */
let writes = 0;

const current = () => channels.find((c) => c.name === selected);

const driver: Driver = { state: current, send };
const list = new ChannelList(byId('channels'), { select, create });
const playhead = new PlayheadPanel(byId('playhead'), driver);
const incidents = new IncidentPanel(byId('incidents'), driver);
const look = new LookPanel(byId('look'), driver);

/**
 * Whether the last write was refused with 401. Reading the channels needs no token, so only a
 * successful write (never a poll) proves the session is good again.
 */
let sessionLost = false;

/** Marks the console's link to the server; a 401 gets the banner, as nothing else will work. */
function online(error?: unknown, wrote = false): void {
  if (error instanceof ApiError && error.expired) sessionLost = true;
  else if (wrote) sessionLost = false;
  expired.hidden = !sessionLost;
  // A 4xx is an answer (the server is fine, the change was not); no answer or a 5xx is trouble.
  const status = error instanceof ApiError ? error.status : error ? 0 : 200;
  const trouble = status === 0 ? t('control.serverDown') : status >= 500 ? t('control.serverError') : '';
  connection.dataset.state = trouble ? 'offline' : sessionLost ? 'expired' : 'online';
  connection.textContent = trouble || (sessionLost ? t('control.sessionExpired') : t('control.synced'));
  connection.title = error ? messageOf(error) : '';
}

function render(): void {
  list.render(channels, selected);
  const state = current();
  placeholder.hidden = !!state;
  controls.hidden = !state;
  remove.hidden = preview.hidden = !state;
  title.textContent = state ? state.name : t('control.noChannel');
  // A channel's name is the producer's own word, kept as typed in any language.
  title.translate = !state;
  if (!state) return;
  preview.href = `/screen?channel=${encodeURIComponent(state.name)}`;
  playhead.render(state);
  incidents.render(state);
  look.render(state);
}

/** Puts one channel's fresh state in the list (the server's answer wins over any poll). */
function upsert(state: ChannelState): void {
  const at = channels.findIndex((c) => c.name === state.name);
  if (at < 0) channels = [...channels, state];
  else channels = channels.map((c, i) => (i === at ? state : c));
}

function select(name: string | undefined): void {
  selected = name;
  const url = new URL(location.href);
  if (name) url.searchParams.set('channel', name);
  else url.searchParams.delete('channel');
  // The selection survives a reload without adding history entries for each click.
  history.replaceState(null, '', url);
  try {
    if (name) localStorage.setItem(LAST_KEY, name);
    else localStorage.removeItem(LAST_KEY);
  } catch {
    // Not remembered across reloads; nothing else depends on it.
  }
  answer.textContent = '';
  render();
}

async function send(update: ChannelUpdate): Promise<SendResult> {
  const name = selected;
  if (!name) return { ok: false, error: t('control.selectFirst') };
  if (busy) return { ok: false, error: t('control.stillApplying') };
  setBusy(true);
  writes++;
  const fields = formatList(Object.keys(update).map(fieldName));
  answer.dataset.state = 'busy';
  answer.textContent = t('control.sending', { fields });
  try {
    const state = await updateChannel(name, update);
    upsert(state);
    online(undefined, true);
    answer.dataset.state = 'ok';
    answer.textContent = t('control.applied', { fields, version: state.version, time: formatZoned(Date.now(), UTC, true) });
    return { ok: true, state };
  } catch (error) {
    online(error);
    answer.dataset.state = 'error';
    answer.textContent = t('control.notApplied', { fields, reason: messageOf(error) });
    return { ok: false, error: messageOf(error) };
  } finally {
    writes++;
    setBusy(false);
    if (selected === name) render();
  }
}

/** Disables the controls while a change is in flight, and gives keyboard focus back afterwards. */
let focusBefore: HTMLElement | null = null;
function setBusy(on: boolean): void {
  busy = on;
  // Only keyboard focus is given back: a mouse-clicked button would otherwise catch the next Space.
  if (on) focusBefore = document.activeElement?.matches(':focus-visible') ? (document.activeElement as HTMLElement) : null;
  controls.disabled = on;
  controls.setAttribute('aria-busy', String(on));
  remove.disabled = on;
  // Disabling the fieldset blurs the focused button; without this, Tab would start over at the top.
  if (!on && focusBefore && document.activeElement === document.body) focusBefore.focus();
}

async function create(name: string): Promise<string> {
  const update: ChannelUpdate = { mode: 'live', ...(defaultService ? { service: current()?.service ?? defaultService } : {}) };
  writes++;
  try {
    const state = await updateChannel(name, update);
    upsert(state);
    online(undefined, true);
    select(name);
    answer.dataset.state = 'ok';
    answer.textContent = t('control.created', { name, service: state.service, mode: t(`common.${state.mode}`), version: state.version });
    return '';
  } catch (error) {
    online(error);
    return messageOf(error);
  } finally {
    writes++;
  }
}

remove.addEventListener('click', async () => {
  const name = selected;
  if (!name || !confirm(t('control.confirmDelete', { name }))) return;
  setBusy(true);
  writes++;
  try {
    await deleteChannel(name);
    online(undefined, true);
    channels = channels.filter((c) => c.name !== name);
    select(undefined);
  } catch (error) {
    online(error);
    answer.dataset.state = 'error';
    answer.textContent = t('control.couldNotDelete', { reason: messageOf(error) });
  } finally {
    writes++;
    setBusy(false);
  }
});

async function poll(): Promise<void> {
  const seen = writes;
  try {
    const fresh = await listChannels();
    online();
    if (seen !== writes || busy) return;
    const missing = selected !== undefined && !fresh.some((c) => c.name === selected);
    const deleted = missing && current() !== undefined;
    channels = fresh;
    if (missing) {
      const name = selected;
      // A remembered or linked channel that no longer exists is dropped, so keys and URL stay honest.
      select(undefined);
      if (deleted) {
        answer.dataset.state = 'error';
        answer.textContent = t('control.deleted', { name: name ?? '' });
      }
    } else render();
  } catch (error) {
    online(error);
  } finally {
    window.setTimeout(() => void poll(), POLL_MS);
  }
}

async function loadServices(): Promise<void> {
  try {
    const services = await listServices();
    defaultService = services[0]?.id;
    playhead.setServices(services);
  } catch {
    window.setTimeout(() => void loadServices(), SERVICES_RETRY_MS);
  }
}

/** The keys line from the catalogue, each key in a <kbd>; the arrows follow the reading direction. */
function writeKeys(): void {
  const rtl = locale().dir === 'rtl';
  const keys: Record<string, string> = {
    space: t('control.keySpace'),
    back: rtl ? '→' : '←',
    forward: rtl ? '←' : '→',
    shift: t('control.keyShift'),
    l: 'L',
    r: 'R',
    n: 'N',
    up: '↑',
    down: '↓',
  };
  // Markers in place of each key, so the message's own word order decides where each <kbd> goes.
  const marked = t('control.keys', Object.fromEntries(Object.keys(keys).map((k) => [k, `\uE000${k}\uE001`])));
  const footer = byId('keys');
  footer.replaceChildren(
    ...marked.split(/\u2068?\uE000(\w+)\uE001\u2069?/).map((part, i) =>
      i % 2 ? Object.assign(document.createElement('kbd'), { textContent: keys[part] ?? part }) : document.createTextNode(part),
    ),
  );
}

writeKeys();
bindKeys({
  togglePlay: () => void playhead.togglePlay(),
  step: (ms) => void playhead.step(ms),
  live: () => void playhead.goLive(),
  replay: () => void playhead.goReplay(),
  newChannel: () => list.focusName(),
  ready: () => !!current() && !busy,
});
window.setInterval(() => {
  const now = Date.now();
  list.tick(now);
  if (current()) playhead.tick(now);
}, TICK_MS);
render();
void loadServices();
void poll();
