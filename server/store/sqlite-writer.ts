/**
 * The SQLite writer thread. Commits block while the disk syncs; on the main thread that would
 * stall every request for the length of an fsync. Here the main thread keeps accepting requests
 * while a commit runs, and everything that arrived meanwhile goes into the next transaction:
 * group commit whose batches grow with the load, with no timer to tune.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { MinuteCount } from './store.ts';

export interface WriteJob {
  id: number;
  mode: 'add' | 'put';
  rows: readonly MinuteCount[];
}

export type WriterMessage = WriteJob | { close: true };

export interface WriteResult {
  ids: number[];
  error?: string;
}

const port = parentPort!;
const { file, groupCommit } = workerData as { file: string; groupCommit: boolean };
const db = new Database(file);
db.pragma('busy_timeout = 10000');
// FULL: a commit is on disk before its writers are answered; the batch pays the fsync once.
db.pragma('synchronous = FULL');

const serviceIds = new Map<string, number>();
const newService = db.prepare('INSERT INTO services (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id').pluck();
const statements = {
  add: db.prepare(`INSERT INTO counts (service, minute, country, count) VALUES (?, ?, ?, ?)
    ON CONFLICT (service, minute, country) DO UPDATE SET count = count + excluded.count`),
  put: db.prepare(`INSERT INTO counts (service, minute, country, count) VALUES (?, ?, ?, ?)
    ON CONFLICT (service, minute, country) DO UPDATE SET count = excluded.count`),
};

function serviceId(name: string): number {
  let id = serviceIds.get(name);
  if (id === undefined) serviceIds.set(name, (id = newService.get(name) as number));
  return id;
}

const apply = db.transaction((jobs: WriteJob[]) => {
  for (const job of jobs) {
    const statement = statements[job.mode];
    for (const r of job.rows) statement.run(serviceId(r.service), r.minute, r.country, r.count);
  }
});

let queue: WriteJob[] = [];
let scheduled = false;

function commit(): void {
  scheduled = false;
  const jobs = queue;
  queue = [];
  if (jobs.length === 0) return;
  const result: WriteResult = { ids: jobs.map((j) => j.id) };
  try {
    apply(jobs);
  } catch (error) {
    // Ids cached inside a rolled-back transaction may not exist.
    serviceIds.clear();
    result.error = (error as Error).message;
  }
  port.postMessage(result);
}

port.on('message', (message: WriterMessage) => {
  if ('close' in message) {
    commit();
    db.close();
    port.close();
    return;
  }
  queue.push(message);
  if (!groupCommit) return commit();
  // setImmediate lets every message already waiting on the port join this transaction.
  if (!scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
});
