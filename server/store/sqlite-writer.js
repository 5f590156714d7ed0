// @ts-check
/**
 * The SQLite writer thread. Commits block while the disk syncs; on the main thread that would
 * stall every request for the length of an fsync. Here the main thread keeps accepting requests
 * while a commit runs, and everything that arrived meanwhile goes into the next transaction:
 * group commit whose batches grow with the load, with no timer to tune.
 *
 * Plain JavaScript on purpose: a worker cannot inherit tsx's loader, and registering it inside
 * the thread took 0.4-1.3 s, which the first write after a start had to wait for.
 * The messages are typed in ./writer-messages.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @typedef {import('./writer-messages.ts').WriteJob} WriteJob */
/** @typedef {import('./writer-messages.ts').WriterMessage} WriterMessage */
/** @typedef {import('./writer-messages.ts').WriteResult} WriteResult */

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const { file, groupCommit, durability } = /** @type {import('./writer-messages.ts').WriterData} */ (workerData);
const db = new Database(file);
db.pragma('busy_timeout = 10000');
// fsync (FULL): a commit is on disk before its writers are answered; the batch pays the fsync once.
// process (NORMAL, in WAL mode): a commit is in the log file, which survives the process being
// killed; the log is synced at checkpoints, so a power loss may lose the last commits.
db.pragma(`synchronous = ${durability === 'process' ? 'NORMAL' : 'FULL'}`);

/** @type {Map<string, number>} */
const serviceIds = new Map();
const newService = db.prepare('INSERT INTO services (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id').pluck();
// Every transaction moves the revision of each service it touched, so readers can tell which
// commits a read already holds (see SqliteStore.rowsAt) and notice commits of other processes.
const bumpRevision = db.prepare('UPDATE services SET rev = rev + 1 WHERE id = ? RETURNING rev').pluck();
const statements = {
  add: db.prepare(`INSERT INTO counts (service, minute, country, count) VALUES (?, ?, ?, ?)
    ON CONFLICT (service, minute, country) DO UPDATE SET count = count + excluded.count`),
  put: db.prepare(`INSERT INTO counts (service, minute, country, count) VALUES (?, ?, ?, ?)
    ON CONFLICT (service, minute, country) DO UPDATE SET count = excluded.count`),
};
// A row with a problem is also a part of that problem's count (the breakdown beside the total).
const problems = {
  add: db.prepare(`INSERT INTO problems (service, minute, country, problem, count) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (service, minute, country, problem) DO UPDATE SET count = count + excluded.count`),
  clear: db.prepare('DELETE FROM problems WHERE service = ? AND minute = ? AND country = ?'),
};

/** @param {string} name */
function serviceId(name) {
  let id = serviceIds.get(name);
  if (id === undefined) serviceIds.set(name, (id = /** @type {number} */ (newService.get(name))));
  return id;
}

const idempotency = {
  find: db.prepare('SELECT fingerprint, rows FROM idempotency WHERE key = ?'),
  insert: db.prepare('INSERT INTO idempotency (key, fingerprint, rows, at) VALUES (?, ?, ?, ?)'),
  // Keys are kept a day: far longer than any client retries an unanswered request.
  expire: db.prepare('DELETE FROM idempotency WHERE at < ?'),
};
const probe = db.prepare('INSERT INTO probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at');
const KEEP_KEYS_MS = 24 * 60 * 60 * 1000;
let lastExpiry = 0;

const apply = db.transaction(
  /** @param {WriteJob[]} jobs @param {Record<number, import('./store.ts').IdempotentResult>} replays @returns {Array<[string, number]>} */
  (jobs, replays) => {
    /** @type {Map<string, number>} */
    const touched = new Map();
    const now = Date.now();
    if (now - lastExpiry > 60_000) {
      lastExpiry = now;
      idempotency.expire.run(now - KEEP_KEYS_MS);
    }
    for (const job of jobs) {
      if (job.mode === 'probe') {
        probe.run(now);
        continue;
      }
      if (job.idempotency) {
        // In this transaction: a key and its rows are committed together or not at all.
        const seen = /** @type {{fingerprint: string, rows: number} | undefined} */ (idempotency.find.get(job.idempotency.key));
        if (seen) {
          replays[job.id] = { replayed: true, rows: seen.rows, fingerprint: seen.fingerprint };
          continue;
        }
        idempotency.insert.run(job.idempotency.key, job.idempotency.fingerprint, job.rows.length, now);
      }
      if (job.mode === 'put') {
        // A put replaces what the adds before it made: those are written first.
        sums.write();
        putRows(job.rows, touched);
        continue;
      }
      sums.add(job.rows, touched);
    }
    sums.write();
    return [...touched].map(([name, id]) => [name, /** @type {number} */ (bumpRevision.get(id))]);
  },
);

/**
 * The adds of one transaction, summed per key before they are written: in an outage thousands of
 * reports of one group commit fall in the same service, minute and country, and one upsert (with
 * its slot trigger) per key instead of one per report is most of the writer's time saved. Adding
 * is commutative, so the stored counts are the same.
 */
const sums = {
  /** @type {Map<string, {id: number, minute: number, country: string, count: number}>} */
  totals: new Map(),
  /** @type {Map<string, {id: number, minute: number, country: string, problem: string, count: number}>} */
  parts: new Map(),
  /** @param {WriteJob['rows']} rows @param {Map<string, number>} touched */
  add(rows, touched) {
    for (const r of rows) {
      const id = serviceId(r.service);
      touched.set(r.service, id);
      const key = `${id}\0${r.minute}\0${r.country}`;
      const total = this.totals.get(key);
      if (total) total.count += r.count;
      else this.totals.set(key, { id, minute: r.minute, country: r.country, count: r.count });
      if (!r.problem) continue;
      const partKey = `${key}\0${r.problem}`;
      const part = this.parts.get(partKey);
      if (part) part.count += r.count;
      else this.parts.set(partKey, { id, minute: r.minute, country: r.country, problem: r.problem, count: r.count });
    }
  },
  write() {
    for (const t of this.totals.values()) statements.add.run(t.id, t.minute, t.country, t.count);
    for (const p of this.parts.values()) problems.add.run(p.id, p.minute, p.country, p.problem, p.count);
    this.totals.clear();
    this.parts.clear();
  },
};

/**
 * Put: the rows of one service, minute and country are its new total, and those with a problem
 * its whole new breakdown (see HistoryStore.put).
 * @param {WriteJob['rows']} rows @param {Map<string, number>} touched
 */
function putRows(rows, touched) {
  /** @type {Map<string, {id: number, minute: number, country: string, total: number, parts: Map<string, number>}>} */
  const groups = new Map();
  for (const r of rows) {
    const id = serviceId(r.service);
    touched.set(r.service, id);
    const key = `${id}\0${r.minute}\0${r.country}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { id, minute: r.minute, country: r.country, total: 0, parts: new Map() }));
    group.total += r.count;
    if (r.problem) group.parts.set(r.problem, (group.parts.get(r.problem) ?? 0) + r.count);
  }
  for (const g of groups.values()) {
    statements.put.run(g.id, g.minute, g.country, g.total);
    problems.clear.run(g.id, g.minute, g.country);
    for (const [problem, count] of g.parts) if (count > 0) problems.add.run(g.id, g.minute, g.country, problem, count);
  }
}

/** @type {WriteJob[]} */
let queue = [];
let scheduled = false;

function commit() {
  scheduled = false;
  const jobs = queue;
  queue = [];
  if (jobs.length === 0) return;
  /** @type {Record<number, import('./store.ts').IdempotentResult>} */
  const replays = {};
  /** @type {WriteResult} */
  const result = { ids: jobs.map((j) => j.id), revisions: [], replays };
  try {
    result.revisions = apply(jobs, replays);
  } catch (error) {
    // Ids cached inside a rolled-back transaction may not exist.
    serviceIds.clear();
    sums.totals.clear();
    sums.parts.clear();
    result.replays = {};
    result.error = /** @type {Error} */ (error).message;
  }
  port.postMessage(result);
}

port.on('message', (/** @type {WriterMessage} */ message) => {
  if ('close' in message) {
    commit();
    db.close();
    port.close();
    return;
  }
  if (!groupCommit) {
    for (const job of message.jobs) {
      queue.push(job);
      commit();
    }
    return;
  }
  queue.push(...message.jobs);
  // setImmediate lets every message already waiting on the port join this transaction.
  if (!scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
});
