import { afterEach, describe, expect, it } from 'vitest';
import { formatDuration, formatTime, formatZoned, incidentLength, localTimeRange } from '../../client/format.ts';
import { CATALOGUES, LANGUAGES, matchLocale, resolveLocale, setLocale, t } from '../../client/i18n/index.ts';
import type { Plural } from '../../client/i18n/types.ts';

const use = (tag: string) => setLocale(matchLocale(tag)!);
const strip = (s: string) => s.replace(/[\u2066-\u2069]/g, '');

/** Every leaf of a catalogue as `path: value`, plurals as one leaf. */
function leaves(node: object, prefix = ''): Map<string, string | Plural> {
  const out = new Map<string, string | Plural>();
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string' || 'other' in value) out.set(path, value as string | Plural);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

afterEach(() => use('en'));

describe('message catalogue', () => {
  const en = leaves(CATALOGUES.en);

  it.each(LANGUAGES)('has every English key in %s, and no other', (language) => {
    const other = leaves(CATALOGUES[language]);
    expect([...other.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, value] of other) if (typeof value === 'string' && key !== 'connection.notes.live') expect(value, key).not.toBe('');
  });

  it.each(LANGUAGES)('gives every plural in %s each category its plural rules use', (language) => {
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
    for (const [key, value] of leaves(CATALOGUES[language])) {
      if (typeof value === 'string') continue;
      for (const category of categories) expect(value[category as keyof Plural], `${language} ${key}.${category}`).toBeTruthy();
    }
  });

  it('keeps the placeholders of the English text in every translation', () => {
    const names = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const language of LANGUAGES) {
      for (const [key, value] of leaves(CATALOGUES[language])) {
        const english = en.get(key)!;
        if (typeof value === 'string' && typeof english === 'string') expect(names(value), `${language} ${key}`).toEqual(names(english));
      }
    }
  });

  it('picks Arabic plural forms: zero, one, two, few, many, other', () => {
    use('ar');
    const said = [0, 1, 2, 3, 11, 100].map((count) => strip(t('main.noReports', { count })));
    expect(said).toEqual([
      'لا بلاغات في آخر 0 دقيقة',
      'لا بلاغات في الدقيقة الأخيرة',
      'لا بلاغات في آخر دقيقتين',
      'لا بلاغات في آخر 3 دقائق',
      'لا بلاغات في آخر 11 دقيقة',
      'لا بلاغات في آخر 100 دقيقة',
    ]);
  });

  it('says English and French plurals, with the count formatted for the locale', () => {
    expect(strip(t('main.noReports', { count: 1 }))).toBe('No reports in the last minute');
    expect(strip(t('main.noReports', { count: 1500 }))).toBe('No reports in the last 1,500 minutes');
    use('fr');
    expect(strip(t('main.noReports', { count: 15 }))).toBe('Aucun signalement dans les 15 dernières minutes');
  });

  it('isolates interpolated values for bidi', () => {
    use('ar');
    expect(t('screen.headline', { service: 'Twitter' })).toBe('بلاغات انقطاع \u2068Twitter\u2069');
  });
});

describe('locale', () => {
  it('comes from ?lang=, then a setting, then the browser, else English', () => {
    expect(resolveLocale('?lang=ar', 'fr', ['en-US'])).toMatchObject({ tag: 'ar', language: 'ar', dir: 'rtl' });
    expect(resolveLocale('', 'fr-CA', ['ar'])).toMatchObject({ tag: 'fr-CA', language: 'fr', dir: 'ltr' });
    expect(resolveLocale('?lang=xx', undefined, ['de-DE', 'ar-EG'])).toMatchObject({ language: 'ar' });
    expect(resolveLocale('?lang=not a tag')).toMatchObject({ tag: 'en', dir: 'ltr' });
  });
});

describe('durations and times', () => {
  const incident = { start: Date.UTC(2022, 11, 29, 0, 0), end: Date.UTC(2022, 11, 29, 3, 14) };

  it('counts an incident’s last minute, so it lasts 3h 15m everywhere', () => {
    expect(formatDuration(incidentLength(incident, 0))).toBe('3h 15m');
  });

  it('formats durations in Arabic and French', () => {
    use('ar');
    expect(formatDuration(195 * 60_000)).toMatch(/^3 س و\s?15 د$/);
    use('fr');
    expect(formatDuration(195 * 60_000)).toMatch(/^3\s?h 15\s?min$/);
    expect(formatDuration(45 * 60_000)).toMatch(/^45\s?min$/);
  });

  it('uses the locale’s clock: 12-hour in en and ar, 24-hour in fr and en-GB, always with the zone', () => {
    const t0 = Date.UTC(2022, 11, 29, 0, 53);
    expect(formatZoned(t0, 'UTC')).toMatch(/^12:53\sAM UTC$/);
    use('en-GB');
    expect(formatZoned(t0, 'UTC')).toBe('00:53 UTC');
    use('fr');
    expect(formatTime(t0, 'UTC', true)).toBe('00:53:00');
    use('ar');
    expect(formatZoned(t0, 'UTC')).toMatch(/^12:53\sص UTC$/);
  });

  it('gives a country’s local time range from west to east in the locale', () => {
    use('fr');
    expect(localTimeRange(Date.UTC(2022, 11, 29, 0, 53), 'America/New_York,America/Los_Angeles')).toBe('16:53 – 19:53');
  });
});
