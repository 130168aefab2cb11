/**
 * Reads an `events.ndjson` file back into an {@link Evidence} view. A line that is not
 * JSON, or not an event, is a clear error naming the file, the line and the byte offset:
 * evidence is never half-read silently.
 */
import { readFileSync } from 'node:fs';
import { Evidence } from './evidence.ts';
import type { EvidenceEvent } from './events.ts';
import { BadInputError } from './bad-input.ts';

/** Evidence that could not be read, with where. */
export class EvidenceFormatError extends BadInputError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly byteOffset: number,
    readonly problem: string,
  ) {
    super(`${file}: line ${line} (byte offset ${byteOffset}): ${problem}`);
    this.name = 'EvidenceFormatError';
  }
}

/** Parses one line of an events file (`lineNo` from 1, `byteOffset` where it starts); null for a blank line. */
export function parseEventLine(line: string, file: string, lineNo: number, byteOffset: number): EvidenceEvent | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new EvidenceFormatError(file, lineNo, byteOffset, `not JSON (${(error as Error).message})`);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { type?: unknown }).type !== 'string' ||
    typeof (value as { seq?: unknown }).seq !== 'number' ||
    typeof (value as { t?: unknown }).t !== 'number'
  ) {
    throw new EvidenceFormatError(
      file,
      lineNo,
      byteOffset,
      'not an evidence event (needs numeric seq and t, string type)',
    );
  }
  return value as EvidenceEvent;
}

/** Parses NDJSON text of evidence events; `file` names it in errors. */
export function parseEvents(text: string, file: string): EvidenceEvent[] {
  const events: EvidenceEvent[] = [];
  let offset = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo += 1;
    const event = parseEventLine(line, file, lineNo, offset);
    offset += Buffer.byteLength(line, 'utf8') + 1;
    if (event !== null) events.push(event);
  }
  return events;
}

/** Loads an events file into an evidence view. */
export function loadEvidence(file: string): Evidence {
  return new Evidence(parseEvents(readFileSync(file, 'utf8'), file));
}
