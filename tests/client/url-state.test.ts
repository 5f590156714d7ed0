import { describe, expect, it } from 'vitest';
import { viewUrl } from '../../client/url-state.ts';

describe('page address', () => {
  it('keeps the map view in the hash when it writes the moment into the query (what Copy link copies)', () => {
    const url = viewUrl({ service: 'twitter', t: 1_672_275_180_000, speed: 60, playing: false }, 'http://localhost:3000/?service=twitter#2.4/38.5/-40.25');
    expect(url.hash).toBe('#2.4/38.5/-40.25');
    expect(url.search).toBe('?service=twitter&t=2022-12-29T00:53:00Z&speed=60&playing=0');
    expect(url.href).toBe('http://localhost:3000/?service=twitter&t=2022-12-29T00:53:00Z&speed=60&playing=0#2.4/38.5/-40.25');
  });

  it('drops the moment for live and still keeps the view', () => {
    const url = viewUrl({ service: 'twitter', t: undefined, speed: 60, playing: true }, 'http://localhost:3000/?service=twitter&t=2022-12-29T00:53:00Z&speed=60&playing=0#3/45/10');
    expect(url.search).toBe('?service=twitter');
    expect(url.hash).toBe('#3/45/10');
  });
});
