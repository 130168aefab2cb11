/**
 * Whether a reply may be taken as the answer to an outstanding query (RFC 5452 §9.1): it
 * comes from the resolver's address and port, is a response, carries the query's
 * transaction ID and echoes its question (name case-insensitively, type and class equal).
 *
 * Each condition is a named check so that a sloppy device (one that takes whatever
 * arrives, the paper's spoofing-prone stubs) is the same code with fewer checks enforced.
 */
import type { DecodedMessage } from '../dns/codec.ts';

/** One condition an answer must meet. */
export type AnswerCheck = 'source' | 'response' | 'txid' | 'question';

/** Every check: what a careful stub enforces (RFC 5452). */
export const ALL_ANSWER_CHECKS: readonly AnswerCheck[] = ['source', 'response', 'txid', 'question'];

/** What a sloppy stub enforces: only that the datagram is a response (the paper's spoofing-prone stubs). */
export const SLOPPY_ANSWER_CHECKS: readonly AnswerCheck[] = ['response'];

/** What the stub asked, of whom. */
export interface OutstandingQuery {
  txid: number;
  name: string;
  type: string;
  resolver: { address: string; port: number };
}

/**
 * The checks among `enforced` that `message`, received from `from`, fails for `query`;
 * empty means acceptable.
 */
export function failedAnswerChecks(
  message: DecodedMessage,
  from: { address: string; port: number },
  query: OutstandingQuery,
  enforced: readonly AnswerCheck[] = ALL_ANSWER_CHECKS,
): AnswerCheck[] {
  const passes: Record<AnswerCheck, () => boolean> = {
    source: () => from.address === query.resolver.address && from.port === query.resolver.port,
    response: () => message.flag_qr === true,
    txid: () => message.id === query.txid,
    question: () => {
      const questions = message.questions ?? [];
      const echoed = questions[0];
      return (
        questions.length === 1 &&
        echoed !== undefined &&
        echoed.name.toLowerCase() === query.name.toLowerCase() &&
        echoed.type === query.type &&
        (echoed.class ?? 'IN') === 'IN'
      );
    },
  };
  return enforced.filter((check) => !passes[check]());
}
