/**
 * The message catalogue behind every word a page shows: i18next with the three catalogues
 * loaded inline (so `t` works synchronously from the first line of a page), CLDR plural rules
 * through Intl.PluralRules, and the document's `lang` and `dir` set from the same locale.
 */
import i18next, { type Resource, type ResourceKey } from 'i18next';
import { formatCount } from '../format.ts';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { locale, onLocaleChange, type Language } from './locale.ts';
import type { MessageKey, Messages } from './types.ts';

export { locale, setLocale, resolveLocale, matchLocale, onLocaleChange, LANGUAGES, type Locale, type Language } from './locale.ts';
export type { MessageKey, Messages } from './types.ts';

export const CATALOGUES: Record<Language, Messages> = { en, ar, fr };

const PLURAL_CATEGORIES = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

function isPlural(value: object): boolean {
  return 'other' in value && Object.keys(value).every((k) => PLURAL_CATEGORIES.has(k));
}

/** Our nested catalogue in i18next's form: a plural `{one, other}` becomes `key_one`, `key_other`. */
export function toResource(messages: object): Record<string, ResourceKey> {
  const out: Record<string, ResourceKey> = {};
  for (const [key, value] of Object.entries(messages)) {
    if (typeof value === 'string') out[key] = value;
    else if (isPlural(value)) for (const [category, text] of Object.entries(value)) out[`${key}_${category}`] = text as string;
    else out[key] = toResource(value);
  }
  return out;
}

const resources: Resource = {};
for (const [language, messages] of Object.entries(CATALOGUES)) resources[language] = { translation: toResource(messages) };

const i18n = i18next.createInstance();
void i18n.init({
  resources,
  lng: locale().language,
  fallbackLng: 'en',
  // The catalogues are in the bundle: no backend, so init finishes before the next line runs.
  initAsync: false,
  // Values go into textContent and attributes, never innerHTML, so escaping would show "&amp;".
  interpolation: { escapeValue: false },
  returnNull: false,
});
onLocaleChange((next) => void i18n.changeLanguage(next.language));

// First strong isolate … pop directional isolate: a number, a time or a Latin name inside Arabic
// text keeps its own direction (the plain-text form of <bdi>, so it also works in titles and canvas).
const FSI = '\u2068';
const PDI = '\u2069';

/** `text` isolated from the direction of what surrounds it. */
export function isolate(text: string): string {
  return text ? `${FSI}${text}${PDI}` : text;
}

export type MessageValues = Record<string, string | number>;

/**
 * The message `key` in the page's locale. Values are isolated for bidi; a numeric `count` picks
 * the plural form and is shown, formatted for the locale, where the message says `{{n}}`.
 */
export function t(key: MessageKey, values: MessageValues = {}): string {
  const vars: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) vars[name] = name === 'count' ? value : isolate(String(value));
  if (typeof values.count === 'number' && !('n' in values)) vars.n = isolate(formatCount(values.count));
  return i18n.t(key, vars) as string;
}

/** Sets `lang` and `dir` on <html> and translates the page's static text (see translatePage). */
export function applyLocale(doc: Document = document): void {
  const { tag, dir } = locale();
  doc.documentElement.lang = tag;
  doc.documentElement.dir = dir;
  translatePage(doc);
}

/**
 * Static markup names its messages: `data-i18n="main.topCountries"` sets the text, and
 * `data-i18n-attr="aria-label:main.service title:…"` sets attributes.
 */
export function translatePage(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MessageKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr!.split(/\s+/)) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr, t(key as MessageKey));
    }
  }
  const title = document.querySelector<HTMLElement>('title[data-i18n]');
  if (title) document.title = title.textContent ?? '';
}
