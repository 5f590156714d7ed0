import type { ServiceInfo } from '../../shared/protocol.ts';

/** Reads `GET /api/services` (`{ok, data}` envelope). */
export async function fetchServices(): Promise<ServiceInfo[]> {
  const res = await fetch('/api/services');
  const body = (await res.json()) as { ok: true; data: ServiceInfo[] } | { ok: false; error: string };
  if (!body.ok) throw new Error(body.error);
  return body.data;
}

/** The service in the URL (`?service=`), so a shared link opens on the same service. */
export function serviceFromUrl(): string | undefined {
  return new URLSearchParams(location.search).get('service') || undefined;
}

/** Keeps `?service=` in step without adding history entries for every switch. */
export function writeServiceToUrl(service: string): void {
  const url = new URL(location.href);
  if (url.searchParams.get('service') === service) return;
  url.searchParams.set('service', service);
  history.replaceState(history.state, '', url);
}

/** The `<select>` of services; `onChange` gets the chosen id. */
export class ServicePicker {
  constructor(
    private readonly select: HTMLSelectElement,
    onChange: (service: string) => void,
  ) {
    select.addEventListener('change', () => onChange(select.value));
  }

  /** Fills the options; a requested service missing from the list is kept so it can still be watched. */
  setServices(services: ServiceInfo[], selected: string): void {
    const ids = services.map((s) => s.id);
    if (!ids.includes(selected)) ids.unshift(selected);
    // Plain ids: whether a service is simulated changes over time and the header badge says it live.
    const options = ids.map((id) => {
      const option = document.createElement('option');
      option.value = id;
      option.textContent = id;
      return option;
    });
    this.select.replaceChildren(...options);
    this.select.value = selected;
  }
}
