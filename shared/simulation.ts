/**
 * Where a simulation's rows live: beside the service's real history, never in it. A service's
 * simulated rows are stored under its simulation key, `twitter~sim` for `twitter`; `~` is outside
 * the service-id alphabet, so a key can never name a real service, nor be sent as one.
 */
import type { ClockState } from './protocol.ts';

const SUFFIX = '~sim';

/** The store key of `service`'s simulated rows. */
export function simulationKey(service: string): string {
  return `${service}${SUFFIX}`;
}

/** Whether a store key holds simulated rows. */
export function isSimulationKey(key: string): boolean {
  return key.endsWith(SUFFIX);
}

/** The real service a store key belongs to: `twitter` for both `twitter` and `twitter~sim`. */
export function serviceOfKey(key: string): string {
  return isSimulationKey(key) ? key.slice(0, -SUFFIX.length) : key;
}

/** `PUT /api/simulation/:service`: the service's clock, and where its simulated rows go. */
export interface SimulationLease extends ClockState {
  /** The store key the rows sent to `POST /api/simulation/:service/ingest` are kept under. */
  key: string;
  /** True when this call began a new simulation (any earlier kept run of the service was dropped). */
  started: boolean;
}
