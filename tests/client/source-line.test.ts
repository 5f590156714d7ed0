import { afterEach, describe, expect, it } from 'vitest';
import { matchLocale, setLocale } from '../../client/i18n/index.ts';
import type { Incident } from '../../shared/protocol.ts';
import { reconstructionAt, sourceText } from '../../client/screen/source-line.ts';

const FSI_PDI = /[\u2068\u2069]/g;
const twitter: Incident = {
  id: 'twitter-1672272000000',
  service: 'twitter',
  start: Date.UTC(2022, 11, 29, 0, 0),
  peak: Date.UTC(2022, 11, 29, 0, 53),
  end: Date.UTC(2022, 11, 29, 3, 14),
  peakCount: 20_746,
  level: 'outage',
  countries: [{ country: 'US', peakCount: 10_484 }],
  note: "Reconstructed from press reports, not Downdetector's raw data",
  sources: ['Reuters (Downdetector)', 'The Guardian'],
};

describe('screen source line', () => {
  afterEach(() => setLocale(matchLocale('en')!));

  it('carries the reconstruction note and sources while the data time is in a bundled reconstruction', () => {
    const at = reconstructionAt([twitter], twitter.peak, Date.now());
    expect(at).toBe(twitter);
    const text = sourceText({ base: 'User reports, 15-minute window', simulated: false, incident: at }).replace(FSI_PDI, '');
    expect(text).toBe('User reports, 15-minute window · Reconstructed from press reports, not Downdetector’s raw data. Sources: Reuters (Downdetector) & The Guardian');
  });

  it('says it in the screen\'s language, with only the publishers\' names left in Latin script', () => {
    setLocale(matchLocale('ar')!);
    const text = sourceText({ base: 'بلاغات المستخدمين', simulated: false, incident: twitter });
    expect(text).toContain('أُعيد بناؤها من تقارير صحفية');
    // Each name is isolated in its own direction, joined with the Arabic list separator.
    expect(text).toContain('\u2068Reuters (Downdetector)\u2069');
    expect(text).toMatch(/\u2069، و\u2068The Guardian\u2069|\u2069 و\u2068The Guardian\u2069/);
    const latin = text.replace(/\u2068[^\u2069]*\u2069/g, '').match(/[A-Za-z]{2,}/g) ?? [];
    expect(latin.filter((w) => w !== 'Downdetector')).toEqual([]);
  });

  it('says nothing more outside the reconstruction, and "simulated" when a simulator drives the clock', () => {
    expect(reconstructionAt([twitter], twitter.end! + 2 * 3_600_000, Date.now())).toBeUndefined();
    expect(reconstructionAt([{ ...twitter, note: undefined }], twitter.peak, Date.now())).toBeUndefined();
    expect(sourceText({ base: 'User reports', simulated: false, incident: undefined })).toBe('User reports');
    expect(sourceText({ base: 'User reports', simulated: true, incident: undefined })).toBe('User reports · Simulated data, not real reports');
  });
});
