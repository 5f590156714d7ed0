import type { ServiceInfo } from '../../shared/protocol.ts';
import { serviceName } from '../../shared/services.ts';
import { t } from '../i18n/index.ts';

/** Reads `GET /api/services` (`{ok, data}` envelope). */
export async function fetchServices(): Promise<ServiceInfo[]> {
  const res = await fetch('/api/services');
  const body = (await res.json()) as { ok: true; data: ServiceInfo[] } | { ok: false; error: string };
  if (!body.ok) throw new Error(body.error);
  return body.data;
}

/** The `<select>` of services; `onChange` gets the chosen id. */
export class ServicePicker {
  private ids: string[] = [];

  constructor(
    private readonly element: HTMLSelectElement,
    onChange: (service: string) => void,
  ) {
    element.addEventListener('change', () => onChange(element.value));
  }

  /** Fills the options; a requested service missing from the list is kept so it can still be watched. */
  setServices(services: ServiceInfo[], selected: string): void {
    this.ids = services.map((s) => s.id);
    this.render(selected);
  }

  /** Shows `service` as the chosen one (a link or an incident may switch it without the picker). */
  show(service: string): void {
    if (this.element.value !== service) this.render(service);
  }

  private render(selected: string): void {
    const ids = [...this.ids];
    if (!ids.includes(selected)) ids.unshift(selected);
    // Plain ids: whether a service is simulated changes over time and the header badge says it live.
    const options = ids.map((id) => {
      const option = document.createElement('option');
      option.value = id;
      // People know brands, not slugs: "WhatsApp", not "whatsapp"; a kept run says it is simulated.
      option.textContent = id.includes('~') ? `${serviceName(id)} · ${t('simulated.label')}` : serviceName(id);
      return option;
    });
    this.element.replaceChildren(...options);
    this.element.value = selected;
  }
}
