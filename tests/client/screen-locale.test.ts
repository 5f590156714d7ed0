import { describe, expect, it } from 'vitest';
import { screenLocale } from '../../client/screen/params.ts';

describe('screen language', () => {
  it('takes the channel’s locale over the screen’s own ?lang= on a channel screen', () => {
    expect(screenLocale('?channel=wall&lang=fr', { channel: 'wall' }, 'ar', ['en-US'])).toEqual({ tag: 'ar', language: 'ar', dir: 'rtl' });
    expect(screenLocale('?channel=wall', { channel: 'wall' }, 'en-gb', ['fr'])).toMatchObject({ tag: 'en-GB', language: 'en' });
  });

  it('falls back to the address, then the browser, when the channel sets none (or an unknown one)', () => {
    expect(screenLocale('?channel=wall&lang=fr', { channel: 'wall' }, undefined, ['ar'])).toMatchObject({ language: 'fr' });
    expect(screenLocale('?channel=wall', { channel: 'wall' }, 'de', ['ar-EG'])).toMatchObject({ language: 'ar', dir: 'rtl' });
  });

  it('lets ?lang= rule a plain screen, whatever any channel says', () => {
    expect(screenLocale('?service=twitter&lang=fr', { service: 'twitter' }, 'ar', [])).toMatchObject({ language: 'fr' });
  });
});
