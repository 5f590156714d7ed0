import { describe, expect, it } from 'vitest';
import type { Incident } from '../../shared/protocol.ts';
import { serviceName } from '../../shared/services.ts';
import { isQuiet, notableIncident } from '../../client/ui/first-look.ts';

function incident(id: string, peak: number, extra: Partial<Incident> = {}): Incident {
  return { id, service: id, start: peak - 3_600_000, peak, end: peak + 3_600_000, peakCount: 100, level: 'outage', countries: [], ...extra };
}

describe('first five seconds', () => {
  it('offers the newest finished real outage, not a simulation, an ongoing one or a mere elevation', () => {
    const list = [
      incident('sim', 9e12, { simulated: true }),
      incident('ongoing', 8e12, { end: null }),
      incident('elevated', 7e12, { level: 'elevated' }),
      incident('twitter', 6e12),
      incident('rogers', 5e12),
    ];
    expect(notableIncident(list)?.id).toBe('twitter');
    expect(notableIncident([incident('elevated', 7e12, { level: 'elevated' })])?.id).toBe('elevated');
    expect(notableIncident([])).toBeUndefined();
  });

  it('calls a live map with no reports quiet, and a replay or a map with reports not', () => {
    expect(isQuiet({ service: 'twitter', mode: 'live', states: {}, windowMinutes: 15 })).toBe(true);
    expect(isQuiet({ service: 'twitter', mode: 'live', states: { US: { count: 0, baseline: 10, level: 'normal' } }, windowMinutes: 15 })).toBe(true);
    expect(isQuiet({ service: 'twitter', mode: 'live', states: { US: { count: 3, baseline: 10, level: 'normal' } }, windowMinutes: 15 })).toBe(false);
    expect(isQuiet({ service: 'twitter', mode: 'replay', states: {}, windowMinutes: 15 })).toBe(false);
  });

  it('names services as people know them', () => {
    expect(serviceName('twitter')).toBe('Twitter');
    expect(serviceName('whatsapp')).toBe('WhatsApp');
    expect(serviceName('youtube')).toBe('YouTube');
    expect(serviceName('rogers')).toBe('Rogers');
    expect(serviceName('mastodon')).toBe('Mastodon');
    expect(serviceName('twitter~sim')).toBe('Twitter');
  });
});
