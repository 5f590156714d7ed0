/** The languages pages have a catalogue for (client/i18n); a channel's `locale` must be one of them. */
export const LANGUAGES = ['en', 'ar', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * `tag` in canonical BCP 47 form ("en-gb" → "en-GB") with its language, when it is well formed and
 * in a supported language; undefined otherwise. The server validates a channel's `locale` and the
 * pages pick their catalogue with this one rule.
 */
export function supportedLocale(tag: string | null | undefined): { tag: string; language: Language } | undefined {
  if (!tag) return undefined;
  let canonical: string;
  try {
    canonical = Intl.getCanonicalLocales(tag.trim())[0] ?? '';
  } catch {
    return undefined;
  }
  const language = canonical.split('-')[0]!.toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(language)) return undefined;
  return { tag: canonical, language: language as Language };
}
