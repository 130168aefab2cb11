/**
 * Formatting helpers for the HTML report template. They turn values of report.json into
 * text for a reader (dates, sizes, marks, lists); none of them decides anything: every
 * verdict, count and rule printed comes from report.json as it is.
 */
import type { HelperDelegate } from 'handlebars';
import { isNotAssessed, TABLE_I_COLUMNS } from '../../checks/check-types.ts';
import type { Figure, NotAssessed } from '../../checks/check-types.ts';
import { TABLE_I_HEADINGS } from '../table-i.ts';
import type { TableICell } from '../table-i.ts';

/** ISO 8601 as `2026-11-23 12:08:16 UTC`, keeping sub-second digits when `precise`. */
export function formatDateTime(iso: string, precise = false): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  if (!match) return iso;
  return `${match[1]} ${match[2]}${precise && match[3] ? match[3] : ''} UTC`;
}

/** Microseconds since the epoch (evidence time ranges) as a UTC time with milliseconds. */
export function formatMicros(t: number): string {
  return formatDateTime(new Date(Math.floor(t / 1000)).toISOString(), true);
}

/** Bytes as a short size (`8.8 KiB`); exact below 1 KiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Seconds between two ISO times, to 0.1 s. */
export function formatSpan(from: string, to: string): string {
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

const MARKS: Record<TableICell, string> = { pass: '✓', fail: '✗', 'not-assessed': '–' };

/** The Table I columns in the paper's order, with headings and marks, for one row. */
export function tableIColumns(row: Record<string, unknown>): { heading: string; cell: string; mark: string }[] {
  return TABLE_I_COLUMNS.map((column) => {
    const cell = row[column] as TableICell;
    return { heading: TABLE_I_HEADINGS[column], cell, mark: MARKS[cell] ?? String(cell) };
  });
}

/** A measurement as text: scalars as they are, lists and tables as compact JSON. */
export function formatMeasurement(value: Figure): string {
  if (value === null) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object'))
      return value.map((v) => formatMeasurement(v)).join(', ');
    return JSON.stringify(value);
  }
  return Object.entries(value)
    .map(([key, v]) => `${key}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : formatMeasurement(v)}`)
    .join('; ');
}

/** A list of records as a table: the keys in first-seen order as columns. */
export interface MeasurementTable {
  columns: string[];
  rows: string[][];
}

function isRecord(value: Figure): value is { [key: string]: Figure } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A measurement that is a list of records (one per name, per phase, ...) as a table; null for anything else. */
export function measurementTable(value: Figure): MeasurementTable | null {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isRecord)) return null;
  const records = value as { [key: string]: Figure }[];
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
  return {
    columns,
    rows: records.map((record) =>
      columns.map((column) => (column in record ? formatMeasurement(record[column]!) : '')),
    ),
  };
}

/** Event sequence numbers as a list, saying when they are a sample of more. */
export function formatSeqs(seqs: number[], count: number): string {
  if (count === 0) return 'none';
  const list = seqs.join(', ');
  return seqs.length < count ? `${list} (first ${seqs.length} of ${count})` : list;
}

/** An IXIT entry's fields beyond its id and description, for reading (lists joined with commas). */
export function entryDetails(entry: Record<string, unknown>): { name: string; value: string }[] {
  return Object.entries(entry)
    .filter(([name, value]) => name !== 'id' && name !== 'description' && value !== undefined)
    .map(([name, value]) => ({ name, value: Array.isArray(value) ? value.join(', ') : String(value) }));
}

/** The helpers by the names the template uses. */
/** Whether a result is one the evidence could not assess (grouped in one table, not a page each). */
const unassessed = (r: { notAssessed?: NotAssessed }): boolean => isNotAssessed(r);

export const HELPERS: Record<string, HelperDelegate> = {
  /** The results the evidence assessed, in report order. */
  assessed: (results: { notAssessed?: NotAssessed }[]) => results.filter((r) => !unassessed(r)),
  /** The results the evidence could not assess. */
  notAssessed: (results: { notAssessed?: NotAssessed }[]) => results.filter(unassessed),
  /** The FAIL results. */
  failures: (results: { verdict: string }[]) => results.filter((r) => r.verdict === 'FAIL'),
  /** The first sentence of a text: the one-line reason on page 1. */
  firstSentence: (text: string) => /^.*?[.!?](?=\s|$)/s.exec(String(text))?.[0] ?? String(text),
  dateTime: (iso: string) => formatDateTime(iso),
  preciseTime: (iso: string) => formatDateTime(iso, true),
  /** Date and time to the microsecond without the zone, for tables headed "(UTC)". */
  clock: (iso: string) => formatDateTime(iso, true).replace(/ UTC$/, ''),
  micros: (t: number) => formatMicros(t),
  bytes: (n: number) => formatBytes(n),
  span: (from: string, to: string) => formatSpan(from, to),
  tableIColumns: (row: Record<string, unknown>) => tableIColumns(row),
  measurement: (value: Figure) => formatMeasurement(value),
  measurementTable: (value: Figure) => measurementTable(value),
  seqs: (seqs: number[], count: number) => formatSeqs(seqs, count),
  /** Lower-case, dash-separated: a CSS class from a verdict or state (`NOT_APPLICABLE` → `not-applicable`). */
  cssName: (value: string) =>
    String(value)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
  /** A verdict for reading (`NOT_APPLICABLE` → `NOT APPLICABLE`). */
  words: (value: string) => String(value).replace(/_/g, ' '),
  /** A list joined with `sep` (default `, `), or `—` when empty. */
  join: (list: unknown, sep: unknown) =>
    Array.isArray(list) && list.length > 0 ? list.join(typeof sep === 'string' ? sep : ', ') : '—',
  /** Rec numbers as `#3, #4`. */
  recs: (list: unknown) => (Array.isArray(list) && list.length > 0 ? list.map((n) => `#${String(n)}`).join(', ') : '—'),
  /** 1-based position in an `#each`. */
  number: (index: number) => index + 1,
  /** The value, or "not stated" when report.json has none. */
  stated: (value: unknown) => (value === undefined || value === null || value === '' ? 'not stated' : String(value)),
  eq: (a: unknown, b: unknown) => a === b,
  /** True unless null or undefined: report.json's null means "not supplied", an empty list does not. */
  present: (value: unknown) => value !== null && value !== undefined,
  entryDetails: (entry: Record<string, unknown>) => entryDetails(entry),
};
