import { afterEach, describe, expect, it } from 'vitest';
import { formatDuration } from '../../client/format.ts';
import { matchLocale, setLocale } from '../../client/i18n/index.ts';
import { sharesText } from '../../client/ui/problem-breakdown.ts';

const use = (tag: string) => setLocale(matchLocale(tag)!);
const strip = (s: string) => s.replace(/[\u2066-\u2069\u200e\u200f]/g, '');
const SHARES = { website: 82, app: 10, 'server-connection': 8 };

afterEach(() => use('en'));

describe('problem shares as text', () => {
  it('lists the types largest first, with the locale\'s separators, even after a duration was formatted', () => {
    use('en');
    // Durations join their units with no separator ("3h 15m"); the shares' list must not inherit that.
    expect(formatDuration(195 * 60_000)).toBe('3h 15m');
    expect(strip(sharesText(SHARES))).toBe('Website 82%, App 10%, Server connection 8%');
    use('fr');
    expect(strip(sharesText(SHARES))).toBe('Site web 82 %, Application 10 % et Connexion au serveur 8 %'.replace(/ %/g, '\u00a0%'));
  });

  it('isolates each type and share in Arabic, so a number keeps its order in right-to-left text', () => {
    use('ar');
    const text = sharesText(SHARES);
    expect(text).toContain('\u2068الموقع\u2069');
    expect(text).toMatch(/\u2068\u200e?82\u200e?%\u200e?\u2069/);
    expect(strip(text)).toBe('الموقع 82%، والتطبيق 10%، والاتصال بالخادم 8%');
  });

  it('says nothing when no report named a problem', () => {
    expect(sharesText({})).toBe('');
  });
});
