/**
 * Frame size during the simulated Twitter outage: the real simulator process feeds a real server
 * at 600x; a Socket.IO client records every live frame. Baseline: the full snapshot a frame would
 * be without deltas, at the same moments.
 */
import { spawn } from 'node:child_process';
import { applyChanges } from '../shared/frame.ts';
import type { CountryStates, Frame } from '../shared/protocol.ts';
import { connectClient, startServer, watch } from '../tests/helpers/server.ts';

export interface FrameBench {
  frames: number;
  medianBytes: number;
  p95Bytes: number;
  maxBytes: number;
  medianFullBytes: number;
  medianCountriesChanged: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

export async function benchFrames(speed = 600): Promise<FrameBench> {
  // 100 ms frames at 600x are one data minute a frame, as 1 s frames are at 60x.
  const server = await startServer({ frameMs: Math.round(60_000 / speed) });
  const socket = connectClient(server.url);
  const sizes: number[] = [];
  const fullSizes: number[] = [];
  const changed: number[] = [];
  let states: CountryStates = {};
  const rewatch = async () => {
    const ack = await watch(socket, { service: 'twitter' });
    if (ack.ok) states = ack.data.countries;
  };
  // The simulation moves the live playhead: one whole snapshot, then deltas.
  socket.on('snapshot', (snapshot) => (states = snapshot.countries));
  socket.on('frame', (frame: Frame) => {
    states = applyChanges(states, frame.changes);
    // The bytes Socket.IO sends for the frame's payload: the object as JSON, once per room.
    sizes.push(Buffer.byteLength(JSON.stringify(frame)));
    fullSizes.push(Buffer.byteLength(JSON.stringify({ ...frame, changes: states })));
    changed.push(Object.keys(frame.changes).length);
  });
  await rewatch();
  const simulator = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--scenario', 'twitter-2022-12-28', '--speed', String(speed), '--url', server.url], { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((resolve) => simulator.on('exit', resolve));
  socket.disconnect();
  await server.close();
  return {
    frames: sizes.length,
    medianBytes: quantile(sizes, 0.5),
    p95Bytes: quantile(sizes, 0.95),
    maxBytes: Math.max(...sizes),
    medianFullBytes: quantile(fullSizes, 0.5),
    medianCountriesChanged: quantile(changed, 0.5),
  };
}
