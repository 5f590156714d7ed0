/**
 * Words the pages show, in one place so a catalogue can replace this file. Counts and times are
 * passed in already formatted with Intl (format.ts); nothing here formats a number itself.
 */
import type { ConnectionState, FeedErrorCode } from './feed.ts';

export const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
};

export const CONNECTION_HINTS: Record<ConnectionState, string> = {
  connecting: 'Connecting to the server',
  live: 'Receiving updates as they happen',
  reconnecting: 'Connection lost; reconnecting',
  offline: 'Server unreachable; still retrying',
};

/** The short notes unattended pages show while the socket is down. */
export const LINK_NOTES: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: '',
  reconnecting: 'Reconnecting…',
  offline: 'Waiting for the server…',
};

export const MODE_LABELS = { live: 'Live', replay: 'Replay' } as const;
export const REPLAY_LABEL = MODE_LABELS.replay;
export const REPLAY_HINT = 'Playing back stored history, not live reports';

/** Every page marks simulated data with the same word and explanation. */
export const SIMULATED = {
  label: 'Simulated',
  hint: 'Replayed or synthetic data, not live reports',
  /** With the simulation's speed, e.g. "60×". */
  withSpeed: (speed: string) => `Simulated · ${speed}×`,
};

/** A refused or unanswered watch, by its stable code (never by the server's message). */
export const WATCH_ERRORS: Record<FeedErrorCode, string> = {
  'unsupported-protocol': 'This page is out of date: reload it.',
  'invalid-request': 'The request was not understood.',
  'invalid-time': 'No data can be shown for that time.',
  'unknown-service': 'No such service.',
  'unknown-channel': 'This channel is not on air yet.',
  internal: 'The server could not answer.',
  timeout: 'No answer from the server.',
};

export const RETRYING = 'Trying again every 5 seconds.';

export const MAIN = {
  loading: 'Loading…',
  noServices: 'No services yet',
  waiting: 'Waiting for the server…',
  source: (replay: boolean, minutes: string) => `${replay ? 'Stored reports' : 'User reports'} · ${minutes}-minute window · Shapes: Natural Earth`,
};

/** The incident list of the map page. */
export const INCIDENTS = {
  replay: '▶ Replay',
  peak: '⤒ Peak',
};

/** The producer's console. */
export const CONTROL = {
  jumpToPeak: 'Jump to peak',
  replayFromStart: 'Replay from start',
  outage: 'Outage',
  elevated: 'Elevated',
};

export const SCREEN = {
  noTarget: 'Nothing to show yet',
  noTargetDetail: 'Open this screen with ?channel=NAME (a producer’s channel) or ?service=NAME (live).',
  channelOff: (name: string) => `Channel “${name}” is not on air`,
  serviceOff: (name: string) => `Service “${name}” is not available`,
  headline: (service: string) => `${service} outage reports`,
  source: (minutes: string) => `User reports, ${minutes}-minute window`,
  noReports: (minutes: string) => `No reports in the last ${minutes} minutes`,
  paused: 'paused',
};

export const EMBED = {
  brand: 'outage-map',
  loading: 'Loading…',
  noTarget: 'Add ?service=NAME to the embed address',
  open: 'Open the live map',
  noReports: (minutes: string) => `No reports in the last ${minutes} minutes`,
  most: (country: string, count: string, minutes: string) => `Most reports: ${country} ${count} in ${minutes} min`,
  unavailable: (reason: string) => `Not available: ${reason}`,
};
