import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges } from '../../shared/frame.ts';
import type { CountryStates } from '../../shared/protocol.ts';
import { useServers } from '../helpers/per-test.ts';
import { postJson, waitFor, watch, type RunningServer } from '../helpers/server.ts';

// Debian's interpreter, where .ci/run installs python3-socketio (the machine's default python3 may be another).
const PYTHON = '/usr/bin/python3';

const servers = useServers();
let server: RunningServer | undefined;
let python: ChildProcessWithoutNullStreams | undefined;
// Registered after useServers(), so the Python client is gone before the server closes.
afterEach(() => {
  python?.kill();
});

/** The Python viewer's answers, one JSON object a line. */
function lines(child: ChildProcessWithoutNullStreams) {
  const queue: unknown[] = [];
  const waiting: Array<(v: unknown) => void> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const value = JSON.parse(line);
    const next = waiting.shift();
    if (next) next(value);
    else queue.push(value);
  });
  return {
    next: (ms = 10_000) =>
      new Promise<any>((resolve, reject) => {
        if (queue.length > 0) return resolve(queue.shift());
        const timer = setTimeout(() => reject(new Error(`no answer from the Python client in ${ms} ms: ${stderr}`)), ms);
        waiting.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
        child.once('exit', (code) => reject(new Error(`the Python client exited ${code}: ${stderr}`)));
      }),
  };
}

describe('protocol 2 from another language', () => {
  it('a Python Socket.IO client receives frames as objects and merges the same counts as the JavaScript client', async () => {
    // Ten public reports from this one machine must all count: lift the per-network cap.
    server = await servers.start({ frameMs: 20, reportsCountedPerNetwork: 100 });
    const js = servers.client(server);
    const ack = await watch(js, { service: 'twitter' });
    if (!ack.ok) throw new Error(ack.error.message);
    let states: CountryStates = ack.data.countries;
    js.on('frame', (frame) => (states = applyChanges(states, frame.changes)));

    python = spawn(PYTHON, ['tests/interop/watch_client.py', server.url, 'twitter']);
    const answers = lines(python);
    const ready = await answers.next();
    expect(ready).toHaveProperty('ready');

    const countries = ['US', 'JP', 'GB', 'CA', 'BR', 'IN', 'AU', 'FR', 'DE', 'ES'];
    for (let i = 0; i < 60; i++) {
      await postJson(`${server.url}/api/ingest`, [{ service: 'twitter', country: countries[i % countries.length], at: Date.now(), count: 1 + (i % 7) * 100 }]);
    }
    // Ten reports from the public too, and one country's whole window in one row.
    for (let i = 0; i < 10; i++) await postJson(`${server.url}/api/reports`, { service: 'twitter', country: 'MT' }, { 'user-agent': `viewer ${i}` });
    const total = (s: CountryStates) => Object.values(s).reduce((n, c) => n + c.count, 0);
    const expected = Array.from({ length: 60 }, (_, i) => 1 + (i % 7) * 100).reduce((a, b) => a + b, 0) + 10;
    await waitFor('every count at the JavaScript client', () => (total(states) === expected ? true : undefined));

    let dump: any;
    for (let tries = 0; tries < 100; tries++) {
      python.stdin.write('dump\n');
      dump = await answers.next();
      if (total(dump.state) === expected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(dump.errors).toEqual([]);
    expect(dump.types).toEqual(['dict']);
    expect(dump.frames).toBeGreaterThan(0);
    expect(dump.state).toEqual(states);
    python.stdin.write('quit\n');
  });
});
