/**
 * Which events the event store (`event-store.ts`) can hold as rows: a DNS query, response or
 * malformed message whose every key is one of its type's and whose every value fits its
 * field. Anything else (another type, an unknown field, a number out of range) is kept as it
 * is, so that a view of a stored event always reads back exactly what was logged.
 */
import type { Endpoint, EvidenceEvent, RecordSummary } from './events.ts';

/** Where a captured event came from (as `lib/capture/capture-evidence.ts` records it). */
export interface CaptureRef {
  file: string;
  frame: number;
}

/** What kind of entry an event is in the store. */
export const KIND = { other: 0, query: 1, response: 2, malformed: 3 } as const;
/** A {@link KIND} value. */
export type Kind = (typeof KIND)[keyof typeof KIND];

/** The event type of each DNS kind (by {@link KIND} value). */
export const TYPE_OF_KIND = ['', 'dns.query', 'dns.response', 'dns.malformed'] as const;

const isU16 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;
const isU32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xfffffffe;
const isI32 = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;

/** Keys an object must have, and may have besides. */
interface Shape {
  required: ReadonlySet<string>;
  optional: ReadonlySet<string>;
}

const shape = (required: readonly string[], optional: readonly string[] = []): Shape => ({
  required: new Set(required),
  optional: new Set(optional),
});

/** Whether `value` has exactly the shape's required keys, and no others beyond its optional ones. */
function hasShape(value: object, { required, optional }: Shape): boolean {
  let present = 0;
  for (const key in value) {
    if (required.has(key)) present += 1;
    else if (!optional.has(key)) return false;
  }
  return present === required.size;
}

function isEndpoint(value: unknown): value is Endpoint {
  return (
    typeof value === 'object' &&
    value !== null &&
    hasShape(value, ENDPOINT) &&
    typeof (value as Endpoint).address === 'string' &&
    isU16((value as Endpoint).port)
  );
}

function isCaptureRef(value: unknown): value is CaptureRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    hasShape(value, CAPTURE) &&
    typeof (value as CaptureRef).file === 'string' &&
    isU32((value as CaptureRef).frame)
  );
}

function isRecordList(value: unknown): value is RecordSummary[] {
  return (
    Array.isArray(value) &&
    value.length <= 0xffff &&
    value.every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        hasShape(r, RECORD) &&
        typeof (r as RecordSummary).name === 'string' &&
        typeof (r as RecordSummary).type === 'string' &&
        typeof (r as RecordSummary).class === 'string' &&
        typeof (r as RecordSummary).data === 'string' &&
        isU32((r as RecordSummary).ttl),
    )
  );
}

const ENDPOINT = shape(['address', 'port']);
const CAPTURE = shape(['file', 'frame']);
const RECORD = shape(['name', 'type', 'class', 'ttl', 'data']);
const BASE_KEYS = ['type', 'seq', 't', 'dut', 'phase', 'transport', 'client', 'server', 'size', 'wire'];
const MESSAGE_KEYS = [...BASE_KEYS, 'txid', 'flags', 'questions', 'edns'];
const QUERY = shape([...MESSAGE_KEYS, 'scenario'], ['tls', 'http', 'capture']);
const RESPONSE = shape(
  [...MESSAGE_KEYS, 'queryRef', 'answers', 'authority', 'additional', 'scenario', 'manipulations', 'reason'],
  ['copies', 'answerSource', 'tls', 'http', 'capture'],
);
const MALFORMED = shape([...BASE_KEYS, 'error', 'answered'], ['capture']);

/**
 * The kind an event is held as: a DNS kind when its shape fits the store's fields exactly
 * (the keys of its type and no others, numbers within their fields' widths), else other.
 */
export function heldKind(event: EvidenceEvent): Kind {
  if (event.type !== 'dns.query' && event.type !== 'dns.response' && event.type !== 'dns.malformed') return KIND.other;
  if (
    !Number.isFinite(event.t) ||
    !(event.dut === null || typeof event.dut === 'string') ||
    !(event.phase === null || typeof event.phase === 'string') ||
    typeof event.transport !== 'string' ||
    !isEndpoint(event.client) ||
    !isEndpoint(event.server) ||
    !isU16(event.size) ||
    typeof event.wire !== 'string'
  )
    return KIND.other;
  const capture = (event as { capture?: unknown }).capture;
  if (capture !== undefined && !isCaptureRef(capture)) return KIND.other;
  if (event.type === 'dns.malformed') return hasShape(event, MALFORMED) ? KIND.malformed : KIND.other;
  if (
    !isU16(event.txid) ||
    typeof event.flags !== 'object' ||
    event.flags === null ||
    !Array.isArray(event.questions) ||
    (event.edns !== null && typeof event.edns !== 'object')
  )
    return KIND.other;
  if (event.type === 'dns.query') return hasShape(event, QUERY) ? KIND.query : KIND.other;
  return hasShape(event, RESPONSE) &&
    isI32(event.queryRef) &&
    isRecordList(event.answers) &&
    isRecordList(event.authority) &&
    isRecordList(event.additional)
    ? KIND.response
    : KIND.other;
}
