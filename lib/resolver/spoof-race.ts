/**
 * Builds the spoofed answers a scenario queued (see `spoof-primitive.ts`) for one query:
 * each a plausible answer with exactly one defect, its record pointing at its own canary.
 * Which socket each leaves from is the UDP listener's business, asked through
 * {@link SpoofSockets}; a spoof with no socket to leave from is reported, not sent.
 */
import type { Question } from 'dns-packet';
import { buildResponse } from '../dns/builders.ts';
import { encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { Endpoint } from '../evidence/events.ts';
import type { SpoofKind, SpoofPlan } from './scenario.ts';

/** The name a mismatched-question spoof asks about: under `.invalid` (RFC 6761), never real. */
export const SPOOFED_QUESTION_NAME = 'mismatch.dnsconform.invalid';
/** TTL of a spoofed record. */
const SPOOFED_TTL = 300;

/** The sockets a UDP listener can send spoofs from. */
export interface SpoofSockets {
  /** Where a spoof of this plan would leave from, or null when the listener has no such socket. */
  endpointFor(spoof: SpoofPlan, server: Endpoint): Endpoint | null;
}

/** A spoof ready to send. */
export interface BuiltSpoof {
  plan: SpoofPlan;
  bytes: Buffer;
  /** The harness socket it leaves from. */
  from: Endpoint;
  /** What is wrong with it, for the evidence. */
  defect: string;
}

/** A transaction ID other than `id`, as far from it as the 16-bit space allows. */
export function otherTxid(id: number): number {
  return (id + 0x8000) & 0xffff;
}

const DEFECTS: Record<SpoofKind, (from: Endpoint, server: Endpoint, query: DecodedMessage) => string> = {
  txid: (_f, _s, query) => `wrong transaction ID ${otherTxid(query.id ?? 0)} (query had ${query.id ?? 0})`,
  port: (from, server) => `from port ${from.port}, not the resolver's ${server.port}`,
  source: (from, server) => `from address ${from.address}, not the resolver's ${server.address}`,
  question: () => `question ${SPOOFED_QUESTION_NAME}, not the one asked`,
};

/** Builds every queued spoof for `query`, answered by the listener at `server`. */
export function buildSpoofs(
  spoofs: readonly SpoofPlan[],
  query: DecodedMessage,
  server: Endpoint,
  sockets: SpoofSockets | undefined,
): { built: BuiltSpoof[]; unsent: string[] } {
  const built: BuiltSpoof[] = [];
  const unsent: string[] = [];
  const asked = (query.questions?.[0] ?? { name: '.', type: 'A', class: 'IN' }) as Question;
  for (const plan of spoofs) {
    const from = sockets?.endpointFor(plan, server) ?? null;
    if (!from) {
      unsent.push(
        `${plan.step ?? plan.kind} not sent: no socket ${plan.from ? `on ${plan.from}` : 'for it'} on this listener`,
      );
      continue;
    }
    const type = plan.canary.includes(':') ? 'AAAA' : 'A';
    const message = buildResponse({
      id: plan.kind === 'txid' ? otherTxid(query.id ?? 0) : (query.id ?? 0),
      questions: [plan.kind === 'question' ? { ...asked, name: SPOOFED_QUESTION_NAME } : asked],
      rcode: 'NOERROR',
      bits: { rd: query.flag_rd, ra: true },
      // The record keeps the asked name: only the one defect separates it from a genuine answer.
      answers: [{ name: asked.name, type, class: 'IN', ttl: SPOOFED_TTL, data: plan.canary }],
    });
    built.push({ plan, bytes: encodeMessage(message), from, defect: DEFECTS[plan.kind](from, server, query) });
  }
  return { built, unsent };
}
