/**
 * The page's locale: `?lang=` in the address (screens and embeds take it the same way), else a
 * setting a page passes in (a channel's `locale`), else the browser's languages, else English.
 * `tag` keeps the region (`en-GB` has a 24-hour clock, `en-US` a 12-hour one) for Intl;
 * `language` picks the catalogue. No other module reads `navigator.language`.
 */
import { supportedLocale, type Language } from '../../shared/locale.ts';

export { LANGUAGES, type Language } from '../../shared/locale.ts';

export interface Locale {
  /** BCP 47 tag for Intl, e.g. "ar", "fr-CA", "en-GB". */
  tag: string;
  language: Language;
  dir: 'ltr' | 'rtl';
}

const RTL = new Set<string>(['ar']);

/** The supported locale a tag asks for ("ar-EG" → ar), or undefined. */
export function matchLocale(tag: string | null | undefined): Locale | undefined {
  const found = supportedLocale(tag);
  return found && { ...found, dir: RTL.has(found.language) ? 'rtl' : 'ltr' };
}

/** First supported of: the `lang` query parameter, `setting`, each of the browser's languages. */
export function resolveLocale(search: string, setting?: string, browser: readonly string[] = []): Locale {
  const asked = new URLSearchParams(search).get('lang');
  for (const tag of [asked, setting, ...browser]) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return { tag: 'en', language: 'en', dir: 'ltr' };
}

function initial(): Locale {
  if (typeof location === 'undefined') return resolveLocale('');
  return resolveLocale(location.search, undefined, typeof navigator === 'undefined' ? [] : navigator.languages);
}

let current: Locale = initial();
const listeners = new Set<(locale: Locale) => void>();

export function locale(): Locale {
  return current;
}

/** Switches the locale (a channel's setting arrived, or a test); formatters and messages follow. */
export function setLocale(next: Locale): void {
  if (next.tag === current.tag) return;
  current = next;
  for (const listener of listeners) listener(next);
}

export function onLocaleChange(listener: (locale: Locale) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
