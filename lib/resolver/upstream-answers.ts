/**
 * Answers for names the zone does not hold: asked of the lab's upstream resolver, or
 * replayed from a recorded run (`--replay-zone`), so a re-test serves the same answers. Both
 * give the responder the same thing: what to serve (before the scenario manipulates it, as
 * it manipulates zone answers) and what to record as the `upstream.answer` evidence.
 */
import type { Answer } from 'dns-packet';
import { decodeMessage } from '../dns/codec.ts';
import type { RcodeName } from '../dns/codec.ts';
import { summariseRecords } from '../dns/summarise.ts';
import { nowMicros } from '../evidence/clock.ts';
import type { UpstreamAnswerEvent } from '../evidence/events.ts';
import { PASSED_ON_RCODES, type UpstreamClient } from './upstream.ts';
import type { UpstreamQuestion } from './upstream.ts';
import { normaliseName } from '../dns/names.ts';

/** The evidence an answer leaves, without what the log and the responder fill in. */
export type UpstreamRecord = Omit<UpstreamAnswerEvent, 'seq' | 'dut' | 'phase' | 'type' | 'queryRef'>;

/** What to serve the DUT for a name outside its zone, and what to record about it. */
export interface SourcedAnswer {
  rcode: RcodeName;
  answers: Answer[];
  authorities: Answer[];
  record: UpstreamRecord;
}

/** Where names outside the zone are answered from. */
export interface NameSource {
  /** `upstream` or `replay`, as the evidence and the report name it. */
  readonly kind: 'upstream' | 'replay';
  /** Synchronous when the answer is at hand (replay), a promise when it must be asked for. */
  answer(asked: UpstreamQuestion): SourcedAnswer | Promise<SourcedAnswer>;
  /** Ends questions in flight (the run is ending). */
  close?(): void;
}

/** A failure served as SERVFAIL (RFC 1035 §4.1.1: the server could not process the query). */
function servfail(
  record: Omit<UpstreamRecord, 'rcode' | 'answers' | 'authority' | 'transport' | 'rttMs' | 'wire'> & {
    rcode?: string | null;
    wire?: string | null;
  },
): SourcedAnswer {
  return {
    rcode: 'SERVFAIL',
    answers: [],
    authorities: [],
    record: { rcode: null, answers: [], authority: [], transport: null, rttMs: null, wire: null, ...record },
  };
}

/** Answers by asking the lab's upstream resolver; every answer and failure is evidence. */
export class LiveUpstream implements NameSource {
  readonly kind = 'upstream';

  constructor(private readonly client: UpstreamClient) {}

  close(): void {
    this.client.close();
  }

  async answer(asked: UpstreamQuestion): Promise<SourcedAnswer> {
    const askedAt = nowMicros();
    const base = {
      source: 'upstream' as const,
      upstream: this.client.server,
      replayOf: null,
      question: questionOf(asked),
      askedAt,
    };
    try {
      const reply = await this.client.ask(asked);
      const record: UpstreamRecord = {
        ...base,
        t: nowMicros(),
        rcode: reply.rcode,
        answers: summariseRecords(reply.answers),
        authority: summariseRecords(reply.authorities),
        transport: reply.transport,
        rttMs: reply.rttMs,
        wire: reply.wire.toString('base64'),
        failure: null,
      };
      if (!PASSED_ON_RCODES.has(reply.rcode)) {
        return {
          rcode: 'SERVFAIL',
          answers: [],
          authorities: [],
          record: {
            ...record,
            failure: `upstream answered ${reply.rcode}, which says it cannot serve the harness (not passed on: SERVFAIL sent)`,
          },
        };
      }
      return { rcode: reply.rcode as RcodeName, answers: reply.answers, authorities: reply.authorities, record };
    } catch (error) {
      return servfail({ ...base, t: nowMicros(), failure: (error as Error).message });
    }
  }
}

/** One recorded answer as a replay keeps it. */
interface Recorded {
  rcode: string | null;
  answers: Answer[];
  authorities: Answer[];
  wire: string | null;
  failure: string | null;
}

/**
 * Serves a recorded run's upstream answers. Each name and type gets the answers recorded
 * for it in the order they were recorded, the last one again once they are used up (a
 * re-test asks as often as the device does, not as often as the recorded run did).
 * A question the recorded run never had answered gets SERVFAIL, recorded as a failure:
 * the replay stands for the upstream, and an upstream that has no answer says SERVFAIL;
 * NXDOMAIN would assert that the name does not exist, and asking upstream would make the
 * re-test serve answers the first run did not.
 */
export class ReplayedUpstream implements NameSource {
  readonly kind = 'replay';
  private readonly byQuestion = new Map<string, { recorded: Recorded[]; next: number }>();

  /** `recorded`: the `upstream.answer` events of the run, in log order. */
  constructor(
    readonly runId: string,
    recorded: readonly UpstreamAnswerEvent[],
  ) {
    for (const event of recorded) {
      const key = questionKey(event.question.name, event.question.type);
      const entry = this.byQuestion.get(key) ?? { recorded: [], next: 0 };
      entry.recorded.push(fromEvent(event));
      this.byQuestion.set(key, entry);
    }
  }

  /** How many distinct questions the run recorded answers for. */
  get questions(): number {
    return this.byQuestion.size;
  }

  answer(asked: UpstreamQuestion): SourcedAnswer {
    const base = {
      source: 'replay' as const,
      upstream: null,
      replayOf: this.runId,
      question: questionOf(asked),
      askedAt: nowMicros(),
      transport: null,
      rttMs: null,
    };
    const entry = this.byQuestion.get(questionKey(asked.question.name, asked.question.type));
    if (!entry)
      return servfail({
        ...base,
        t: nowMicros(),
        failure: `not recorded in run ${this.runId}: the replay has no answer for ${asked.question.name} ${asked.question.type}`,
      });
    const recorded = entry.recorded[Math.min(entry.next, entry.recorded.length - 1)]!;
    entry.next += 1;
    if (recorded.failure !== null || recorded.rcode === null || !PASSED_ON_RCODES.has(recorded.rcode)) {
      return servfail({
        ...base,
        t: nowMicros(),
        rcode: recorded.rcode,
        wire: recorded.wire,
        failure: `replayed from run ${this.runId}, where upstream failed: ${recorded.failure ?? `rcode ${recorded.rcode}`}`,
      });
    }
    // Owner names in the asked case: a DUT that randomises case (0x20) must see its own back.
    const answers = recorded.answers.map((rr) => withOwnerCase(rr, asked.question.name));
    return {
      rcode: recorded.rcode as RcodeName,
      answers,
      authorities: recorded.authorities,
      record: {
        ...base,
        t: nowMicros(),
        rcode: recorded.rcode,
        answers: summariseRecords(answers),
        authority: summariseRecords(recorded.authorities),
        wire: recorded.wire,
        failure: null,
      },
    };
  }
}

/** A recorded event's answer, decoded from its wire bytes (the records summaries are for people). */
function fromEvent(event: UpstreamAnswerEvent): Recorded {
  if (event.wire === null)
    return {
      rcode: event.rcode,
      answers: [],
      authorities: [],
      wire: null,
      failure: event.failure ?? 'no answer recorded',
    };
  const decoded = decodeMessage(Buffer.from(event.wire, 'base64'));
  if (!decoded.ok)
    return {
      rcode: event.rcode,
      answers: [],
      authorities: [],
      wire: event.wire,
      failure: `the recorded answer does not decode: ${decoded.error}`,
    };
  return {
    rcode: decoded.message.rcode,
    answers: decoded.message.answers ?? [],
    authorities: decoded.message.authorities ?? [],
    wire: event.wire,
    failure: event.failure,
  };
}

function withOwnerCase(rr: Answer, asked: string): Answer {
  return rr.name.toLowerCase() === asked.toLowerCase() ? { ...rr, name: asked } : rr;
}

function questionKey(name: string, type: string): string {
  return `${normaliseName(name)}|${type}`;
}

function questionOf(asked: UpstreamQuestion): UpstreamRecord['question'] {
  return { name: asked.question.name, type: asked.question.type, class: asked.question.class ?? 'IN' };
}
