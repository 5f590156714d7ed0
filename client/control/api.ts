import type { ChannelState, ChannelUpdate, Incident, ServiceInfo } from '../../shared/protocol.ts';
import { CATALOGUES, t, type MessageKey } from '../i18n/index.ts';

/**
 * A refused or failed call, by the server's stable `code` (status 0: the server could not be
 * reached). The message is the code's translation; the server's English text stays in `detail`
 * for the console, never on the page.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail = '',
    /** The change's field the server refused (from its issue list), when it named one. */
    readonly field?: string,
  ) {
    super(code);
    this.name = 'ApiError';
  }

  /** The control cookie is gone or stale: only a fresh `/control?token=` link helps. */
  get expired(): boolean {
    return this.status === 401;
  }
}

type Envelope<T> = { ok: true; data: T } | { ok: false; error?: string; code?: string; issues?: unknown };

/** "locale: \"de\" is not …" → "locale": the field a 400 names first, as shared/schemas.ts writes it. */
function fieldOf(issues: unknown): string | undefined {
  const first = Array.isArray(issues) && typeof issues[0] === 'string' ? issues[0] : '';
  return /^([A-Za-z]+)[.:]/.exec(first)?.[1];
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      // The control cookie is HttpOnly and SameSite=Strict; same-origin sends it, nothing else does.
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('unreachable', 0);
  }
  if (res.status === 401) throw new ApiError('unauthorized', 401);
  let envelope: Envelope<T> | undefined;
  try {
    envelope = (await res.json()) as Envelope<T>;
  } catch {
    // A 204 to DELETE, or a proxy's HTML error page: judge by the status alone.
    if (res.ok) return undefined as T;
    throw new ApiError(res.status >= 500 ? 'internal' : 'generic', res.status, `${res.status} ${res.statusText}`);
  }
  if (!envelope.ok) throw new ApiError(envelope.code ?? 'generic', res.status, envelope.error ?? '', fieldOf(envelope.issues));
  return envelope.data;
}

const channelPath = (name: string) => `/api/channels/${encodeURIComponent(name)}`;

export function listChannels(): Promise<ChannelState[]> {
  return call('GET', '/api/channels');
}

/** Sends only the fields that change; the answer is the channel's whole new state. */
export function updateChannel(name: string, update: ChannelUpdate): Promise<ChannelState> {
  return call('PUT', channelPath(name), update);
}

export function deleteChannel(name: string): Promise<void> {
  return call('DELETE', channelPath(name));
}

export function listServices(): Promise<ServiceInfo[]> {
  return call('GET', '/api/services');
}

export function listIncidents(service: string): Promise<Incident[]> {
  return call('GET', `/api/incidents?service=${encodeURIComponent(service)}`);
}

/** A change's field in the page's language ("play/pause" for `playing`), or the field itself. */
export function fieldName(field: string): string {
  return field in CATALOGUES.en.control.fields ? t(`control.fields.${field}` as MessageKey) : field;
}

/**
 * The error to show inline, in the page's language: a refused field by name, else the code's
 * translation, else a generic refusal. The server's own English is never shown.
 */
export function messageOf(error: unknown): string {
  if (!(error instanceof ApiError)) return t('errors.generic');
  if (error.code === 'invalid-request' && error.field && error.field in CATALOGUES.en.control.fields) {
    return t('control.badField', { field: fieldName(error.field) });
  }
  return error.code in CATALOGUES.en.errors ? t(`errors.${error.code}` as MessageKey) : t('errors.generic');
}
