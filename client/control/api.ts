import type { ChannelState, ChannelUpdate, Incident, ServiceInfo } from '../../shared/protocol.ts';

/** A refused or failed call; `status` is 0 when the server could not be reached at all. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The control cookie is gone or stale: only a fresh `/control?token=` link helps. */
  get expired(): boolean {
    return this.status === 401;
  }
}

type Envelope<T> = { ok: true; data: T } | { ok: false; error: string };

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
    throw new ApiError('The server cannot be reached; retrying.', 0);
  }
  if (res.status === 401) throw new ApiError('Your control session has expired.', 401);
  let envelope: Envelope<T> | undefined;
  try {
    envelope = (await res.json()) as Envelope<T>;
  } catch {
    // A 204 to DELETE, or a proxy's HTML error page: judge by the status alone.
    if (res.ok) return undefined as T;
    throw new ApiError(`The server answered ${res.status} ${res.statusText}.`, res.status);
  }
  if (!envelope.ok) throw new ApiError(envelope.error || `The server answered ${res.status}.`, res.status);
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

/** The error text to show inline, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
