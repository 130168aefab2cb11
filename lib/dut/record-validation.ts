/**
 * Which records of an accepted reply the stub uses (Recommendation #7, RFC 2181 §5.4.1,
 * RFC 5452 §9). A strict stub takes only records of the asked type and class IN that lie on
 * the question's CNAME chain in the answer section; anything else in the answer section is
 * rejected, and other sections never supply addresses. A sloppy stub takes any address
 * record anywhere (AAAA for an A query, other names in the additional section, any class)
 * and, when there is none, an MX or NS target as the place to look next.
 */
import type { Answer } from 'dns-packet';
import type { DecodedMessage } from '../dns/codec.ts';
import { normaliseName } from '../dns/names.ts';

/** A record with address data (A or AAAA). */
export type AddressRecord = Answer & { data: string };

/** What the stub takes from a reply. */
export interface UsableRecords {
  /** The address records used. */
  addresses: AddressRecord[];
  /** The records whose TTLs bound how long the answer is kept (addresses and the CNAMEs leading to them). */
  lifetimeRecords: Answer[];
  /** Answer-section records set aside as not fitting the question (strict only). */
  rejected: number;
  /** A name a sloppy stub resolves next (an MX or NS target), when it found no address. */
  follow: string | null;
}

const ADDRESS_TYPES = new Set(['A', 'AAAA']);
/** A record's class, IN when the decoder left it out. */
const classOf = (rr: Answer) => (rr as { class?: string }).class ?? 'IN';

/** The records of `message` the stub uses for `question`. */
export function usableRecords(
  message: DecodedMessage,
  question: { name: string; type: string },
  validation: 'strict' | 'sloppy',
): UsableRecords {
  const answers = (message.answers ?? []) as Answer[];
  if (validation === 'sloppy') {
    const everywhere = [...answers, ...((message.additionals ?? []) as Answer[])];
    const addresses = everywhere.filter((rr): rr is AddressRecord => ADDRESS_TYPES.has(rr.type));
    const target = answers.find((rr) => rr.type === 'MX' || rr.type === 'NS');
    const follow =
      addresses.length > 0 || !target
        ? null
        : target.type === 'MX'
          ? (target as { data: { exchange: string } }).data.exchange
          : String((target as { data: unknown }).data);
    return {
      addresses,
      lifetimeRecords: [...addresses, ...answers.filter((rr) => rr.type === 'CNAME')],
      rejected: 0,
      follow,
    };
  }
  // Walk the CNAME chain from the question's name (bounded by the section's size, so a loop ends).
  const chain = new Set([normaliseName(question.name)]);
  const onChain: Answer[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const rr of answers) {
      if (rr.type !== 'CNAME' || classOf(rr) !== 'IN' || !chain.has(normaliseName(rr.name)) || onChain.includes(rr))
        continue;
      onChain.push(rr);
      chain.add(normaliseName(String((rr as { data: unknown }).data)));
      grew = true;
    }
  }
  const addresses = answers.filter(
    (rr): rr is AddressRecord => rr.type === question.type && classOf(rr) === 'IN' && chain.has(normaliseName(rr.name)),
  );
  const rejected = answers.length - addresses.length - onChain.length;
  return { addresses, lifetimeRecords: [...addresses, ...onChain], rejected, follow: null };
}
