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

export type WriterMessage = WriteJob | { close: true };

export interface WriteResult {
  /** The jobs this transaction committed (or failed). */
  ids: number[];
  /** Each service the transaction touched, with its revision after the commit. */
  revisions: Array<[service: string, rev: number]>;
  error?: string;
  /** Jobs whose idempotency key was already stored (their rows were skipped), by job id. */
  replays?: Record<number, IdempotentResult>;
}
