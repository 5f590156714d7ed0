/**
 * The wire contract between server and clients: every Socket.IO event and payload type.
 * Both sides import this file; never copy its types elsewhere.
 */

import type { ProblemShares } from './problems.ts';

/**
 * Bumped on any incompatible change to the events or payloads below. A client states the version
 * it speaks in every `watch`; the server refuses any other with `unsupported-protocol`.
 * v2: frames are plain objects with a per-room `seq`; acks carry `{code, message}` errors.
 */
export const PROTOCOL_VERSION = 2;

export const LEVELS = ['normal', 'elevated', 'outage'] as const;
export type Level = (typeof LEVELS)[number];

export const MODES = ['live', 'replay'] as const;
export type Mode = (typeof MODES)[number];

/** One country's state in a frame. */
export interface CountryState {
  /** Reports in the trailing window ending at the frame's data time. */
  count: number;
  /** Expected reports in such a window (the documented floor until history exists). */
  baseline: number;
  level: Level;
  /**
   * Shares of the problem types named by the reports in the window (whole percents adding up to
   * 100, see shared/problems.ts). In a snapshot: absent when no report named one. In a frame's
   * `changes`: present only when it changed (`{}`: none any more); absent means as before.
   */
  problems?: ProblemShares;
}

/** Alpha-2 country code to its state. */
export type CountryStates = Record<string, CountryState>;

/**
 * A delta: only the countries whose state changed since the previous frame of the same room.
 * A country that fell back to zero is sent with `count: 0`, never omitted.
 */
export interface Frame {
  service: string;
  mode: Mode;
  /** Data time, epoch ms. */
  t: number;
  /**
   * Position of this frame in its room: the snapshot a client holds has `seq` n, the next frame
   * it may apply has n + 1. Anything else is dropped (older) or means a gap (watch again).
   */
  seq: number;
  changes: CountryStates;
  /** The service's problem shares over every country, only when they changed (`{}`: none any more). */
  problems?: ProblemShares;
}

/** How a feed's data time advances: `t = t0 + (now - wallclock0) * speed` while playing. */
export interface ClockState {
  /** Data time at `at`, epoch ms. */
  t: number;
  /** Server wall-clock time when `t` was read, epoch ms (for the client's offset estimate). */
  at: number;
  speed: number;
  playing: boolean;
  /** True while a simulator drives the service's live clock. */
  simulated: boolean;
}

/** The full state, sent as the ack of `watch`; frames that follow are deltas against it. */
export interface Snapshot {
  protocol: typeof PROTOCOL_VERSION;
  service: string;
  mode: Mode;
  t: number;
  /** The room's frame sequence number this state is at; the next frame has `seq + 1`. */
  seq: number;
  clock: ClockState;
  windowMinutes: number;
  frameMs: number;
  /** Window count that maps to the hottest colour; the same for every viewer of a service. */
  heatMax: number;
  countries: CountryStates;
  /** The service's problem shares in the window over every country; absent when no report named one. */
  problems?: ProblemShares;
  /** First and last minute (epoch ms) with stored counts for the service; null when none. */
  range: { from: number; to: number } | null;
  /** Set when the snapshot is of a named channel: what the producer chose. */
  channel?: ChannelState;
}

export const THEMES = ['dark', 'light'] as const;
export type Theme = (typeof THEMES)[number];

/** `auto` follows the hottest countries; `fixed` holds `[west, south, east, north]`. */
export type Camera = { mode: 'auto' } | { mode: 'fixed'; bounds: [number, number, number, number] };

/** A named channel: a playhead several screens follow, driven by a producer. */
export interface ChannelState {
  name: string;
  service: string;
  mode: Mode;
  /** Data time at server wall time `at` (epoch ms); live channels follow the service's clock. */
  t: number;
  at: number;
  speed: number;
  playing: boolean;
  camera: Camera;
  theme: Theme;
  headline: string;
  /** IANA zone of the newsroom, shown beside UTC. */
  timeZone: string;
  /** BCP 47 tag ("ar", "fr", "en-GB") the channel's screens speak; absent: each screen's own choice. */
  locale?: string;
  /** Screens show what people report (the service's problem shares); absent: each screen's `?problems=`. */
  problems?: boolean;
  /** Bumped by every change, so a screen can tell a new state from a repeat. */
  version: number;
}

/** `PUT /api/channels/:name` body: the fields to change; `peak` jumps to an incident's peak. */
export interface ChannelUpdate {
  service?: string;
  mode?: Mode;
  t?: number | string;
  speed?: number;
  playing?: boolean;
  /** An incident id from `GET /api/incidents`: replay paused at its peak. */
  peak?: string;
  camera?: Camera;
  theme?: Theme;
  headline?: string;
  timeZone?: string;
  /** A BCP 47 tag of a language in shared/locale.ts `LANGUAGES`; null clears it (each screen's own choice). */
  locale?: string | null;
  /** Screens show what people report (true) or not (false). */
  problems?: boolean;
}

/**
 * Stable reasons a `watch` (or an API call) is refused; clients translate the code, never the
 * message. Modelled on tldraw sync-core's incompatibility reasons.
 */
export const ERROR_CODES = [
  /** The client speaks another protocol version: reload the page. */
  'unsupported-protocol',
  /** The payload is not a watch request (a missing or mistyped field); the message names it. */
  'invalid-request',
  /** `t` is not a usable data time (before 2000, in the future, not a time). */
  'invalid-time',
  /** No such service is configured or stored. */
  'unknown-service',
  /** No named channel by that name (yet): screens retry. */
  'unknown-channel',
  /** The server failed (a store read); retrying later may work. */
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AckError {
  code: ErrorCode;
  /** English, for logs and developers; pages show a translation of `code`. */
  message: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };

/**
 * `{service}`: the live map. `{service, t, speed?, playing?}`: a private replay channel whose
 * playhead starts at data time `t` (epoch ms or ISO string); watching again seeks, changes speed
 * or pauses, and acks a fresh snapshot. `{channel}`: a named channel. Each carries the client's
 * `protocol` version.
 */
export type WatchRequest = { protocol: number } & WatchTarget;

/** What a `watch` asks for, without the protocol version. */
export type WatchTarget =
  | { service: string }
  | { service: string; t: number | string; speed?: number; playing?: boolean }
  | { channel: string };

/** Replay speeds offered by the clients (data seconds per wall second). */
export const REPLAY_SPEEDS = [1, 10, 60, 300, 900, 3600] as const;

/**
 * Frames are plain objects: Socket.IO's adapter encodes a room broadcast once whatever the payload
 * (as long as it holds no binary), so pre-stringifying would only make every client parse twice.
 */
export interface ServerToClientEvents {
  frame: (frame: Frame) => void;
  /**
   * The playhead moved by itself or was moved (a producer's change, a replay that paused at the
   * present, a simulation's clock starting or stopping): this state replaces the client's.
   */
  snapshot: (snapshot: Snapshot) => void;
  /** What the socket watched is gone (a removed channel): watch again to learn why. */
  resync: (reason: string) => void;
}

export interface ClientToServerEvents {
  watch: (request: WatchRequest, ack: (response: Ack<Snapshot>) => void) => void;
  /** Clock sync: acks the server's wall clock (epoch ms); clients estimate their offset (NTP-style, least round trip wins). */
  time: (ack: (serverNow: number) => void) => void;
}

/** Problem kinds a user can pick, after Downdetector's categories. */
export const PROBLEMS = ['website', 'app', 'login', 'server-connection', 'other'] as const;
export type Problem = (typeof PROBLEMS)[number];

/** Body of `POST /api/reports`. */
export interface ReportBody {
  service: string;
  country?: string;
  problem?: Problem;
}

/** One row of `POST /api/ingest`. */
export interface IngestRow {
  service: string;
  country: string;
  /** Minute of the counts: epoch ms or an ISO 8601 UTC string on input. */
  at: number | string;
  count: number;
  /**
   * The problem these reports named. Rows of one service, country and minute add up to its
   * total; a row without `problem` is the part that named none.
   */
  problem?: Problem;
}

/** `GET /api/incidents`: a period when some country's level stayed above normal. */
export interface Incident {
  id: string;
  service: string;
  /** Epoch ms of the first minute above normal. */
  start: number;
  /** Epoch ms when the total window count was highest. */
  peak: number;
  /** Epoch ms of the last minute above normal; null while it goes on. */
  end: number | null;
  /** Total reports in the window at the peak, over all countries. */
  peakCount: number;
  level: Exclude<Level, 'normal'>;
  /** Countries that rose above normal, by their own peak window count, largest first. */
  countries: Array<{ country: string; peakCount: number }>;
  /** Where the data came from, when it is a bundled reconstruction. */
  note?: string;
  sources?: readonly string[];
  /** Set on the incidents of a simulation run (`twitter~sim`): never a real outage. */
  simulated?: boolean;
}

/**
 * `GET /api/timeline`: the chart under the map, in the map's own figure. Every value at `times[i]` is what the
 * frame at that data time shows: reports in the `windowMinutes` minutes ending with that minute.
 */
export interface Timeline {
  service: string;
  /** The range charted, epoch ms: the first minute's start and the last minute's end. */
  from: number;
  to: number;
  /** Milliseconds between grid points; each ends a step (the range's ends are points too). */
  step: number;
  windowMinutes: number;
  /** Each point's minute, epoch ms, ascending. */
  times: number[];
  /** Reports in the window, all countries: the sum of the frame's counts. */
  total: number[];
  /** The frame's baselines summed over the countries with reports in the window. */
  baseline: number[];
  /** Reports in the window of the top countries over the range (their frame `count`). */
  countries: Record<string, number[]>;
}

/** `GET /api/services`. */
export interface ServiceInfo {
  id: string;
  /** Accepted from the public at `POST /api/reports`. */
  public: boolean;
  simulated: boolean;
}
