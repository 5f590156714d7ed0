import type { Incident, Snapshot } from '../../shared/protocol.ts';
import { formatList } from '../format.ts';
import { isolate, t } from '../i18n/index.ts';
import { noteText } from '../ui/incidents.ts';

/** A reconstruction's note applies from this long before its start to as long after its end. */
const AROUND_MS = 30 * 60_000;
const REFRESH_MS = 60_000;

export interface SourceFacts {
  /** The screen's usual line ("User reports, 15-minute window"). */
  base: string;
  simulated: boolean;
  /** The incident around the data time, if it carries a note (a bundled reconstruction). */
  incident: Pick<Incident, 'note' | 'sources'> | undefined;
}

/**
 * What the source line says on air: the usual line, then "Simulated data, not real reports" when a
 * simulator drives the clock, then the reconstruction's own note and sources when the data is a
 * bundled reconstruction. Never on air without saying what the data is.
 */
export function sourceText({ base, simulated, incident }: SourceFacts): string {
  const parts = [base];
  if (simulated) parts.push(t('story.simulated'));
  if (incident?.note) {
    // The bundled note in the screen's language; publishers' names each isolated in their own
    // direction and joined as the locale joins a list.
    const note = noteText(incident.note).replace(/[.!?]+$/, '');
    parts.push(incident.sources?.length ? t('story.reconstruction', { note, sources: formatList(incident.sources.map(isolate)) }) : `${note}.`);
  }
  return parts.join(' · ');
}

/** The incident with a note whose span (with half an hour either side) holds `t`. */
export function reconstructionAt(incidents: readonly Incident[], dataTime: number, now: number): Incident | undefined {
  return incidents.find((i) => i.note && dataTime >= i.start - AROUND_MS && dataTime <= (i.end ?? now) + AROUND_MS);
}

/** Keeps a screen's source line true to its data: loads the service's incidents and rewrites on change. */
export class SourceLine {
  private incidents: Incident[] = [];
  private service: string | undefined;
  private loadedAt = 0;
  private last: [Snapshot | undefined, number, number, string] | undefined;

  constructor(private readonly el: HTMLElement) {}

  update(snapshot: Snapshot | undefined, dataTime: number, now: number, base: string): void {
    this.last = [snapshot, dataTime, now, base];
    if (snapshot && (snapshot.service !== this.service || now - this.loadedAt > REFRESH_MS)) {
      this.service = snapshot.service;
      this.loadedAt = now;
      void this.load(snapshot.service);
    }
    const text = sourceText({ base, simulated: snapshot?.clock.simulated ?? false, incident: reconstructionAt(this.incidents, dataTime, now) });
    if (this.el.textContent !== text) this.el.textContent = text;
  }

  private async load(service: string): Promise<void> {
    try {
      const res = await fetch(`/api/incidents?service=${encodeURIComponent(service)}`);
      const body = (await res.json()) as { ok: boolean; data?: Incident[] };
      if (service !== this.service || !body.ok || !body.data) return;
      this.incidents = body.data;
      if (this.last) this.update(...this.last);
    } catch {
      // The line keeps what it had; the next update asks again after REFRESH_MS.
    }
  }
}
