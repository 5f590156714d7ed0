import { EventEmitter } from 'node:events';
import type { ClockState } from '../shared/protocol.ts';
import { simulationKey } from '../shared/simulation.ts';

/** A simulation's clock as nodes share it: data time `t0` at wall time `wall0`, until `expires`. */
export interface Lease {
  t0: number;
  wall0: number;
  speed: number;
  expires: number;
}

interface Simulation {
  t0: number;
  wall0: number;
  speed: number;
  expires: number;
  /** Ends the lease when it is not renewed, whether or not anything reads the clock meanwhile. */
  timer: NodeJS.Timeout;
}

/**
 * The live data time of each service: the wall clock, unless a simulator has leased a faster
 * clock for it (`PUT /api/simulation/:service`). A lease that is not renewed ends by itself, so
 * a killed simulator cannot leave a service on simulated time.
 * Emits `change(service)` when a service's clock starts, stops or jumps, and `expire(service)`
 * when a lease ended because it was not renewed (the simulator is gone without cleaning up).
 * Emits `lease(service, lease)` when this node's simulator started, renewed or ended one
 * (`undefined`), so other nodes can `adopt` it (server/cluster/clocks.ts).
 */
export class Clocks extends EventEmitter<{ change: [service: string]; expire: [service: string]; lease: [service: string, lease: Lease | undefined] }> {
  private readonly simulations = new Map<string, Simulation>();

  constructor(private readonly wallNow: () => number = Date.now) {
    super();
  }

  now(service: string): number {
    const wall = this.wallNow();
    const sim = this.simulations.get(service);
    return sim ? sim.t0 + (wall - sim.wall0) * sim.speed : wall;
  }

  state(service: string): ClockState {
    const sim = this.simulations.get(service);
    return {
      t: this.now(service),
      at: this.wallNow(),
      speed: sim?.speed ?? 1,
      playing: true,
      simulated: sim !== undefined,
    };
  }

  /** Starts or renews a simulation; `change` fires unless it only renews the same clock. */
  simulate(service: string, t: number, speed: number, ttlMs: number): ClockState {
    const wall = this.wallNow();
    const before = this.simulations.get(service);
    const drift = before ? Math.abs(before.t0 + (wall - before.wall0) * before.speed - t) : Infinity;
    // A renewal restates the simulator's clock; small drift (network delay times speed) is not a jump.
    const jump = !before || before.speed !== speed || drift > Math.max(5_000, speed * 1_000);
    if (before) clearTimeout(before.timer);
    // One millisecond late, so the wall clock has passed `expires` when it fires.
    const timer = setTimeout(() => this.expire(), ttlMs + 1).unref();
    const clock = jump ? { t0: t, wall0: wall, speed } : before!;
    this.simulations.set(service, { t0: clock.t0, wall0: clock.wall0, speed: clock.speed, expires: wall + ttlMs, timer });
    if (jump) this.emit('change', service);
    this.emit('lease', service, { t0: clock.t0, wall0: clock.wall0, speed: clock.speed, expires: wall + ttlMs });
    return this.state(service);
  }

  end(service: string): boolean {
    if (!this.drop(service)) return false;
    this.emit('lease', service, undefined);
    return true;
  }

  /**
   * Takes on a lease another node's simulator holds (or its end, `undefined`): the same clock
   * here as there, so every node's viewers see the same data time.
   */
  adopt(service: string, lease: Lease | undefined): void {
    if (!lease) {
      this.drop(service);
      return;
    }
    const before = this.simulations.get(service);
    if (before) clearTimeout(before.timer);
    const timer = setTimeout(() => this.expire(), Math.max(0, lease.expires - this.wallNow()) + 1).unref();
    this.simulations.set(service, { ...lease, timer });
    if (!before || before.t0 !== lease.t0 || before.wall0 !== lease.wall0 || before.speed !== lease.speed) this.emit('change', service);
  }

  /** Leases held now, for a node joining late. */
  leases(): Map<string, Lease> {
    return new Map([...this.simulations].map(([service, { t0, wall0, speed, expires }]) => [service, { t0, wall0, speed, expires }]));
  }

  private drop(service: string): boolean {
    const sim = this.simulations.get(service);
    if (!sim) return false;
    clearTimeout(sim.timer);
    this.simulations.delete(service);
    this.emit('change', service);
    return true;
  }

  /** Ends leases that were not renewed in time. */
  expire(): void {
    const wall = this.wallNow();
    for (const [service, sim] of this.simulations) {
      if (sim.expires > wall) continue;
      this.drop(service);
      this.emit('expire', service);
    }
  }

  /**
   * The store key the live map of `service` reads its rows from: the simulation's own key while a
   * lease runs (its rows never mix with the real history), else the service itself. Baselines
   * always come from the service.
   */
  source(service: string): string {
    return this.simulations.has(service) ? simulationKey(service) : service;
  }

  simulated(service: string): boolean {
    return this.simulations.has(service);
  }
}
