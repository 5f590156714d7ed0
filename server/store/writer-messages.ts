/** Messages between SqliteStore and its writer thread (sqlite-writer.js). */
import type { MinuteCount } from './store.ts';

export interface WriteJob {
  id: number;
  mode: 'add' | 'put';
  rows: readonly MinuteCount[];
}

export type WriterMessage = WriteJob | { close: true };

export interface WriteResult {
  /** The jobs this transaction committed (or failed). */
  ids: number[];
  /** Each service the transaction touched, with its revision after the commit. */
  revisions: Array<[service: string, rev: number]>;
  error?: string;
}
