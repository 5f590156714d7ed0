/**
 * Rows of counts read from CSV, NDJSON and JSON text, for `POST /api/ingest` (a request body)
 * and `npm run import` (a file of any size, streamed). Both end in `checkRow`, so a row is
 * accepted or refused the same way whichever door it comes through.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CsvError, parse as parseCsvStream } from 'csv-parse';
import { describeIssues, ingestRow, type ParsedIngestRow } from '../shared/schemas.ts';

/** The CSV header POST /api/ingest reads and GET /api/history writes. */
export const CSV_COLUMNS = ['time', 'service', 'country', 'count'] as const;
/** Columns a file may carry or leave out; GET /api/history always writes them (an empty cell is none). */
export const OPTIONAL_CSV_COLUMNS = ['problem'] as const;
export type CsvColumns = Record<(typeof CSV_COLUMNS)[number] | (typeof OPTIONAL_CSV_COLUMNS)[number], number>;

/** A problem with the file as a whole (no header, broken quoting): no row after it can be trusted. */
export class FileFormatError extends Error {}

/**
 * Column positions from a CSV header, in any order and case. With `serviceGiven` (the importer's
 * `--service`) the service column may be missing; its position is then -1.
 */
export function csvColumns(header: readonly string[] | undefined, serviceGiven = false): CsvColumns {
  const names = header?.map((h) => h.trim().toLowerCase()) ?? [];
  const needed = CSV_COLUMNS.filter((c) => !(serviceGiven && c === 'service'));
  if (!header || needed.some((c) => !names.includes(c))) {
    throw new FileFormatError(`the first line must name the columns ${needed.join(',')}`);
  }
  return Object.fromEntries([...CSV_COLUMNS, ...OPTIONAL_CSV_COLUMNS].map((c) => [c, names.indexOf(c)])) as CsvColumns;
}

/** One CSV record as the object `ingestRow` validates; `service` fills or overrides the column. */
export function csvRowCandidate(record: readonly string[], col: CsvColumns, service?: string): Record<string, unknown> {
  return {
    service: service ?? (col.service >= 0 ? record[col.service] : undefined),
    country: record[col.country],
    at: numericOrText(record[col.time]),
    count: numericOrText(record[col.count]),
    ...(col.problem >= 0 ? { problem: record[col.problem] } : {}),
  };
}

/** CSV carries every field as text: digits become numbers so epoch ms and counts validate. */
export function numericOrText(v: string | undefined): string | number | undefined {
  return v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

/**
 * A JSON row of a file as `ingestRow` validates it. Exports write `time` (the CSV column's name),
 * so it stands for `at`; `service` fills or overrides the row's.
 */
export function jsonRowCandidate(value: unknown, service?: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const row: Record<string, unknown> = { ...value };
  if ('time' in row && !('at' in row)) {
    row.at = row.time;
    delete row.time;
  }
  if (service !== undefined) row.service = service;
  return row;
}

export type CheckedRow = { ok: true; row: ParsedIngestRow } | { ok: false; issues: string[] };

/** Validates one row; issues read `line 4: country: "XX" is not ...` with `where` = `line 4`. */
export function checkRow(value: unknown, where: string): CheckedRow {
  const parsed = ingestRow.safeParse(value);
  return parsed.success ? { ok: true, row: parsed.data } : { ok: false, issues: describeIssues(parsed.error, where) };
}

export type FileFormat = 'csv' | 'ndjson' | 'json';

/** A row of a file before validation, or why it is not a row at all (not JSON, wrong field count). */
export interface FileRow {
  line: number;
  value?: unknown;
  problem?: string;
}

/**
 * Streams the rows of a file, one at a time, in constant memory. Throws `FileFormatError` for a
 * problem with the file as a whole; a bad row is yielded with its `problem` and reading goes on.
 */
export function readFileRows(input: Readable, format: FileFormat, service?: string): AsyncGenerator<FileRow> {
  if (format === 'csv') return readCsv(input, service);
  if (format === 'ndjson') return readNdjson(input, service);
  return readJsonArray(input, service);
}

async function* readCsv(input: Readable, service?: string): AsyncGenerator<FileRow> {
  // Field counts are checked here, not by csv-parse, so one short row is a bad row, not a bad file.
  // Lines are counted here too: csv-parse's `info` option clones an object per record, which
  // doubles the cost of a large file. Blank lines come through as [''] and are counted, then skipped.
  const parser = input.pipe(parseCsvStream({ bom: true, trim: true, relax_column_count: true }));
  input.once('error', (error) => parser.destroy(error));
  let col: CsvColumns | undefined;
  let width = 0;
  let line = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      const at = line;
      // A quoted field may hold line breaks: the next record starts that many lines further.
      for (const field of record) if (field.includes('\n')) line += field.split('\n').length - 1;
      if (record.length === 1 && record[0] === '') continue;
      if (!col) {
        col = csvColumns(record, service !== undefined);
        width = record.length;
      } else if (record.length !== width) yield { line: at, problem: `expected ${width} fields like the header, found ${record.length}` };
      else yield { line: at, value: csvRowCandidate(record, col, service) };
    }
  } catch (error) {
    const e = error as Error & { code?: string; lines?: number };
    // csv-parse's codes mostly start with CSV_, but not all (INVALID_OPENING_QUOTE): ask its class.
    if (e instanceof FileFormatError || !(e instanceof CsvError)) throw e;
    throw new FileFormatError(`line ${e.lines ?? '?'}: csv: ${e.message}`);
  }
  if (!col) throw new FileFormatError(`the file is empty: the first line must name the columns ${CSV_COLUMNS.join(',')}`);
}

async function* readNdjson(input: Readable, service?: string): AsyncGenerator<FileRow> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (!trimmed) continue;
    try {
      yield { line, value: jsonRowCandidate(JSON.parse(trimmed), service) };
    } catch {
      yield { line, problem: 'not valid JSON' };
    }
  }
}

/**
 * A JSON array of rows, whatever its layout, without holding it whole: a scanner tracks strings
 * and nesting and hands each top-level element to JSON.parse on its own.
 */
async function* readJsonArray(input: Readable, service?: string): AsyncGenerator<FileRow> {
  let line = 1;
  let state: 'before' | 'inside' | 'after' = 'before';
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let element: string[] | undefined; // pieces of the current element across chunks
  let elementLine = 0;
  let start = 0;
  const finish = (text: string): FileRow => {
    element = undefined;
    try {
      return { line: elementLine, value: jsonRowCandidate(JSON.parse(text), service) };
    } catch {
      return { line: elementLine, problem: 'not valid JSON' };
    }
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    const rows: FileRow[] = [];
    start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === '\n') line++;
      if (element) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && depth > 0) {
          if (--depth === 0) {
            element.push(chunk.slice(start, i + 1));
            rows.push(finish(element.join('')));
          }
        } else if (depth === 0 && (c === ',' || c === ']')) {
          // The end of a scalar element (a number, a string): refused by validation, not here.
          element.push(chunk.slice(start, i));
          rows.push(finish(element.join('').trim()));
          if (c === ']') state = 'after';
        }
        continue;
      }
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\uFEFF') continue;
      if (state === 'before' && c === '[') state = 'inside';
      else if (state === 'inside' && c === ',') continue;
      else if (state === 'inside' && c === ']') state = 'after';
      else if (state === 'inside') {
        element = [];
        elementLine = line;
        start = i;
        depth = c === '{' || c === '[' ? 1 : 0;
        inString = c === '"';
      } else throw new FileFormatError(`line ${line}: a JSON file must be one array of rows [{"time", "service", "country", "count"}, ...]`);
    }
    if (element) {
      element.push(chunk.slice(start));
      start = 0;
    }
    yield* rows;
  }
  if (state !== 'after') throw new FileFormatError(`line ${line}: the JSON array is not closed`);
}
