/**
 * Imports history from a CSV, NDJSON or JSON file into the server's store: the SQLite file of a
 * data folder, or PostgreSQL when DATABASE_URL is set (as the server reads it):
 *
 *   npm run import -- FILE [--service S] [--skip-invalid] [--data-dir DIR]
 *
 * The rule: a row's count is the TOTAL for its service, country and minute, so importing SETS
 * that total, replacing what the store had (live ingest ADDS). Re-importing a file therefore
 * changes nothing, and an export imported into an empty folder exports back identically. Rows
 * repeated within one file (same service, country and minute) are summed first: the file, taken
 * as a whole, gives the totals.
 *
 * A row may name a `problem` (an optional column): the rows of one service, country and minute
 * add up to its total and those with a problem are its breakdown, so an export with its
 * `problem` column imports back exactly; a file without the column sets totals only.
 *
 * Rows go through the same validation as POST /api/ingest (`checkRow`). The file is read once,
 * streamed: valid rows are summed into a scratch SQLite database on disk (so memory stays flat
 * and the file may be stdin, `-`), bad rows are counted and named by line. With any bad row and
 * no `--skip-invalid`, it exits 1 before the store is even opened: nothing is committed. Then the
 * totals are put in chunks, each its own short transaction, so a server on the same folder keeps
 * ingesting in between and sees the new history on its next read (SQLite's data_version). An
 * interrupted import leaves whole chunks committed; running it again completes it, as put is
 * idempotent.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Problem } from '../shared/protocol.ts';
import { serviceId } from '../shared/schemas.ts';
import { MINUTE_MS, minuteOf } from '../shared/time.ts';
import { ConfigError, loadConfig, type Config } from '../server/config.ts';
import { checkRow, FileFormatError, readFileRows, type FileFormat } from '../server/rows.ts';
import { openStore } from '../server/store/open.ts';
import type { Dataset, HistoryStore, MinuteCount } from '../server/store/store.ts';

const USAGE = `usage: npm run import -- FILE [--service S] [--skip-invalid] [--data-dir DIR]
  FILE            .csv (time,service,country,count[,problem]), .ndjson/.jsonl or .json; "-" reads stdin
  --service S     the service of every row (fills or overrides the service column)
  --skip-invalid  import the valid rows and report the bad ones (default: import nothing)
  --data-dir DIR  the data folder (default: DATA_DIR, else ./data)`;
const RULE = 'import sets totals: each row is the total of its service, country and minute and replaces the stored count (rows repeated in the file are summed); re-importing changes nothing';
/** Rows per committed chunk: a short transaction, so a server writing beside us waits little. */
const CHUNK_ROWS = 10_000;
const LISTED_ISSUES = 20;
const PROGRESS_MS = 1000;

/** A mistake in how the importer was called (exit 2); `showUsage` when the flags were wrong. */
class UsageError extends Error {
  constructor(message: string, readonly showUsage = true) {
    super(message);
  }
}

interface Options {
  file: string;
  service: string | undefined;
  skipInvalid: boolean;
  /** Where the server reads its history: DATABASE_URL's PostgreSQL, else DATA_DIR's SQLite file. */
  target: Pick<Config, 'dataDir' | 'databaseUrl' | 'durability'>;
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        service: { type: 'string' },
        'skip-invalid': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'FILE is missing' : `one FILE at a time, got ${positionals.join(' ')}`);
  let service: string | undefined;
  if (values.service !== undefined) {
    const result = serviceId.safeParse(values.service);
    if (!result.success) throw new UsageError(`--service: ${result.error.issues[0]!.message}`);
    service = result.data;
  }
  // The server's own settings say where the history is: DATABASE_URL, else DATA_DIR's SQLite file.
  let target: Options['target'];
  try {
    const { dataDir, databaseUrl, durability } = loadConfig([], process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {});
    target = { dataDir, databaseUrl, durability };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  return { file: positionals[0]!, service, skipInvalid: values['skip-invalid'], target };
}

/** Opens the input; `bytes` is the size for the progress percentage, when it is known. */
function openInput(file: string): { source: Readable; bytes: number | undefined } {
  if (file === '-') return { source: process.stdin, bytes: undefined };
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new UsageError(`${file}: no such file`, false);
  }
  if (!stat.isFile()) throw new UsageError(`${file}: not a file`, false);
  return { source: createReadStream(file, { highWaterMark: 1 << 20 }), bytes: stat.size };
}

/** By extension, else by the first non-blank character: `[` JSON, `{` NDJSON, anything else CSV. */
function formatOf(file: string, first: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') return 'json';
  const c = first.replace(/^[\s\uFEFF]+/, '')[0];
  return c === '[' ? 'json' : c === '{' ? 'ndjson' : 'csv';
}

/** One line on stderr, rewritten in place on a terminal. */
function progress(text: string, last = false): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K${last ? '\n' : ''}`);
  else process.stderr.write(`${text}\n`);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Valid rows summed per (service, minute, country, problem) on disk (`problem` '' for the part
 * that named none). Its key order is the store's, so the chunks are committed in index order.
 */
function openScratch(): Database.Database {
  // An empty name is a private temporary database: on disk once it outgrows its page cache, deleted on close.
  const scratch = new Database('');
  scratch.pragma('journal_mode = OFF');
  scratch.pragma('synchronous = OFF');
  scratch.pragma('cache_size = -16000');
  scratch.exec(`CREATE TABLE totals (service TEXT NOT NULL, minute INTEGER NOT NULL, country TEXT NOT NULL, problem TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (service, minute, country, problem)) WITHOUT ROWID`);
  return scratch;
}

interface Staged {
  scratch: Database.Database;
  read: number;
  invalid: number;
  /** The first LISTED_ISSUES problems, `line 4: country: ...`. */
  issues: string[];
  unlisted: number;
  sha256: string;
}

/**
 * Reads the file once: validates every row and sums the valid ones into the scratch database.
 * Throws FileFormatError when the file as a whole is unreadable.
 */
async function stage(options: Options, started: number): Promise<Staged> {
  const { source, bytes } = openInput(options.file);
  // Peek at the first chunk to choose the format, then pass every chunk on, hashing as we go.
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head = await chunks.next();
  const format = formatOf(options.file, head.done ? '' : Buffer.from(head.value).subarray(0, 1024).toString());
  const hash = createHash('sha256');
  let bytesRead = 0;
  const metered = Readable.from((async function* () {
    for (let next = head; !next.done; next = await chunks.next()) {
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      hash.update(chunk);
      bytesRead += chunk.length;
      yield chunk;
    }
  })(), { objectMode: false });
  console.error(`${options.file === '-' ? 'stdin' : options.file} (${format}) -> ${options.target.databaseUrl ? `PostgreSQL at ${new URL(options.target.databaseUrl).host}` : options.target.dataDir}\n${RULE}`);

  const scratch = openScratch();
  const addTotal = scratch.prepare(`INSERT INTO totals VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (service, minute, country, problem) DO UPDATE SET count = count + excluded.count`);
  const result: Staged = { scratch, read: 0, invalid: 0, issues: [], unlisted: 0, sha256: '' };
  const report = () => {
    const rate = fmt(result.read / Math.max((Date.now() - started) / 1000, 0.001));
    const share = bytes ? `${Math.min(100, Math.floor((bytesRead / bytes) * 100))}% of ${mb(bytes)}` : mb(bytesRead);
    return `read ${fmt(result.read)} rows (${rate} rows/s, ${share})`;
  };
  const timer = setInterval(() => progress(report()), PROGRESS_MS);
  try {
    let staged = 0;
    for await (const candidate of readFileRows(metered, format, options.service)) {
      result.read++;
      const where = `line ${candidate.line}`;
      const checked = candidate.problem === undefined ? checkRow(candidate.value, where) : { ok: false as const, issues: [`${where}: ${candidate.problem}`] };
      if (!checked.ok) {
        result.invalid++;
        const room = LISTED_ISSUES - result.issues.length;
        result.issues.push(...checked.issues.slice(0, room));
        result.unlisted += Math.max(0, checked.issues.length - room);
        continue;
      }
      // Straight into the scratch database, a transaction per CHUNK_ROWS: holding a batch of row
      // objects instead makes the garbage collector work much harder.
      if (staged++ % CHUNK_ROWS === 0) {
        if (scratch.inTransaction) scratch.exec('COMMIT');
        scratch.exec('BEGIN');
      }
      const { service, country, at, count, problem } = checked.row;
      addTotal.run(service, minuteOf(at), country, problem ?? '', count);
    }
    if (scratch.inTransaction) scratch.exec('COMMIT');
  } catch (error) {
    scratch.close();
    throw error;
  } finally {
    clearInterval(timer);
    progress(report(), true);
  }
  result.sha256 = hash.digest('hex');
  return result;
}

/** Puts the totals in chunks, each its own transaction, and records the import per service. */
async function commit(staged: Staged, store: HistoryStore): Promise<{ rows: number; services: Dataset[] }> {
  const { scratch } = staged;
  const total = scratch.prepare('SELECT COUNT(*) FROM totals').pluck().get() as number;
  let committed = 0;
  const started = Date.now();
  const report = () => `committed ${fmt(committed)} of ${fmt(total)} rows (${fmt(committed / Math.max((Date.now() - started) / 1000, 0.001))} rows/s)`;
  const timer = setInterval(() => progress(report()), PROGRESS_MS);
  try {
    let chunk: MinuteCount[] = [];
    const rows = scratch.prepare('SELECT service, minute, country, problem, count FROM totals ORDER BY service, minute, country, problem').iterate() as IterableIterator<MinuteCount & { problem: Problem | '' }>;
    for (const { problem, ...row } of rows) {
      // A chunk ends between two minutes, never inside one: put takes a minute's rows together.
      const last = chunk.at(-1);
      if (chunk.length >= CHUNK_ROWS && (last!.service !== row.service || last!.minute !== row.minute || last!.country !== row.country)) {
        await store.put(chunk);
        committed += chunk.length;
        chunk = [];
      }
      chunk.push(problem ? { ...row, problem } : row);
    }
    await store.put(chunk);
    committed += chunk.length;
  } finally {
    clearInterval(timer);
    progress(report(), true);
  }
  const key = `import:${staged.sha256}`;
  const services = scratch
    .prepare('SELECT service, MIN(minute) AS "from", MAX(minute) AS "to", COUNT(*) AS rows FROM totals GROUP BY service ORDER BY service')
    .all() as Array<Omit<Dataset, 'key'>>;
  // One dataset per service, so the server can tell where each service's history came from.
  const datasets = services.map((s) => ({ key: services.length > 1 ? `${key}:${s.service}` : key, ...s }));
  for (const d of datasets) await store.markDataset(d);
  if (store.afterBulkLoad && committed > 0) {
    progress(`updating the database's statistics after ${fmt(committed)} rows`, true);
    // The rows are in; a failed VACUUM (a timeout, a cancel) is for autovacuum to make up.
    await store.afterBulkLoad().catch((error: Error) => console.error(`warning: the statistics were not updated (${error.message}); the rows are imported, and autovacuum will update them`));
  }
  return { rows: committed, services: datasets };
}

async function main(): Promise<number> {
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  let staged: Staged;
  try {
    staged = await stage(options, started);
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error;
    console.error(`${options.file}: ${error.message}\nnothing was imported`);
    return 1;
  }
  const { read, invalid, issues, unlisted } = staged;
  if (invalid > 0) {
    console.error(`${fmt(invalid)} of ${fmt(read)} rows are invalid${unlisted ? ` (the first ${issues.length} problems; ${fmt(unlisted)} more not listed)` : ''}:`);
    for (const issue of issues) console.error(`  ${issue}`);
    if (!options.skipInvalid) {
      staged.scratch.close();
      console.error('nothing was imported (fix the rows, or pass --skip-invalid to import the valid ones)');
      return 1;
    }
    console.error('skipping them (--skip-invalid)');
  }

  // Only now is the store opened: a refused file leaves the data folder untouched.
  const { store } = await openStore(options.target);
  try {
    const { rows, services } = await commit(staged, store);
    const seconds = (Date.now() - started) / 1000;
    const span = services.length ? ` from ${iso(Math.min(...services.map((s) => s.from)))} to ${iso(Math.max(...services.map((s) => s.to)))}` : '';
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(
      `imported ${fmt(rows)} rows (${fmt(read - invalid)} valid of ${fmt(read)} read) of ${services.length} service(s) ` +
        `${services.map((s) => s.service).join(', ')}${span} in ${seconds.toFixed(1)} s (${fmt(read / seconds)} rows/s), peak RSS ${peakRssMb} MB`,
    );
    return 0;
  } finally {
    await store.close();
    staged.scratch.close();
  }
}

function iso(minute: number): string {
  return new Date(minute * MINUTE_MS).toISOString();
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      console.error(error.showUsage ? `${error.message}\n${USAGE}` : error.message);
      process.exit(2);
    }
    console.error(`import failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
