import type { ChannelState, ClockState, CountryStates } from '../../shared/protocol.ts';
import type { ProblemShares } from '../../shared/problems.ts';
import type { Playhead, Policy } from './playhead.ts';

/** One Socket.IO room and the playhead its members follow. */
export interface Room {
  readonly id: string;
  readonly policy: Policy;
  playhead: Playhead;
  /** Set on channel rooms: what the producer chose, sent with every snapshot. */
  channel: ChannelState | undefined;
  /** What every member holds: the state at `seq`, computed at data time `t`, wall time `at`. */
  base: CountryStates;
  /** The service's problem shares members hold (`{}`: none). */
  problems: ProblemShares;
  seq: number;
  clock: ClockState;
  /** False until the first frame is computed (a new room, a seek). */
  computed: boolean;
  /** Bumped when the playhead is moved from outside, so a computation that started before is dropped. */
  version: number;
  /** The next computation sends members a whole snapshot (the playhead moved), not a delta. */
  snapshotNext: boolean;
  /** Wall time the room must be computed at (Infinity: nothing will change by itself). */
  due: number;
  lastRun: number;
  running: Promise<void> | undefined;
  failures: number;
  /** Watches under way: the room must not be dropped as empty before they join. */
  joining: number;
}

export const liveRoom = (service: string) => `live:${service}`;
export const replayRoom = (socketId: string) => `replay:${socketId}`;
export const channelRoom = (name: string) => `channel:${name}`;
export const ROOM_PREFIXES = ['live:', 'replay:', 'channel:'];

/** A watch that a newer watch of the same socket replaced before it could join. */
export class Superseded extends Error {
  constructor() {
    super('superseded by a newer watch');
  }
}

/** Whether the watch asking to join is still the socket's latest. */
export type Wanted = () => boolean;
export const always: Wanted = () => true;
