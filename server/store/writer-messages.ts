/** Messages between SqliteStore and its writer thread (sqlite-writer.js). */
import type { IdempotencyKey, IdempotentResult, MinuteCount } from './store.ts';

export interface WriteJob {
  id: number;
  /** `probe` writes one row of its own table: is storage writable now? */
  mode: 'add' | 'put' | 'probe';
  rows: readonly MinuteCount[];
  /** Skip the rows when this key is already stored; else store it with them. */
  idempotency?: IdempotencyKey;
}

/**
 * The jobs of one event-loop turn travel in one message: a message costs the main thread a few
 * microseconds (structured clone, a wake-up of the thread), about as much as a small request.
 */
export type WriterMessage = { jobs: WriteJob[] } | { close: true };

/** How a commit reaches the disk (DURABILITY): see the README. */
export type Durability = 'fsync' | 'process';

export interface WriterData {
  file: string;
  groupCommit: boolean;
  durability: Durability;
}

export interface WriteResult {
  /** The jobs this transaction committed (or failed). */
  ids: number[];
  /** Each service the transaction touched, with its revision after the commit. */
  revisions: Array<[service: string, rev: number]>;
  error?: string;
  /** Jobs whose idempotency key was already stored (their rows were skipped), by job id. */
  replays?: Record<number, IdempotentResult>;
}
