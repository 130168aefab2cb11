import { expect } from 'chai';
import { buildQuery, buildResponse } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import { failedAnswerChecks } from './answer-acceptance.ts';
import type { OutstandingQuery } from './answer-acceptance.ts';

const RESOLVER = { address: '127.0.31.1', port: 5353 };
const QUERY: OutstandingQuery = { txid: 1234, name: 'x.sim.example', type: 'A', resolver: RESOLVER };

function decoded(packet: Parameters<typeof encodeMessage>[0]): DecodedMessage {
  const result = decodeMessage(encodeMessage(packet));
  if (!result.ok) throw new Error(result.error);
  return result.message;
}

function response(
  changes: { id?: number; questions?: { name: string; type: 'A' | 'AAAA'; class: 'IN' | 'CH' }[] } = {},
): DecodedMessage {
  return decoded(
    buildResponse({
      id: changes.id ?? 1234,
      questions: changes.questions ?? [{ name: 'x.sim.example', type: 'A', class: 'IN' }],
      rcode: 'NOERROR',
      bits: { rd: true, ra: true },
    }),
  );
}

describe('dut/answer-acceptance (RFC 5452 §9.1)', () => {
  it('accepts a response from the resolver with the ID and the question, in any letter case', () => {
    expect(failedAnswerChecks(response(), RESOLVER, QUERY)).to.deep.equal([]);
    expect(
      failedAnswerChecks(response({ questions: [{ name: 'X.SIM.Example', type: 'A', class: 'IN' }] }), RESOLVER, QUERY),
    ).to.deep.equal([]);
  });

  it('names each condition a reply fails', () => {
    expect(failedAnswerChecks(response(), { address: '127.0.31.7', port: 5353 }, QUERY)).to.deep.equal(['source']);
    expect(failedAnswerChecks(response(), { address: RESOLVER.address, port: 5354 }, QUERY)).to.deep.equal(['source']);
    expect(failedAnswerChecks(response({ id: 1235 }), RESOLVER, QUERY)).to.deep.equal(['txid']);
    expect(
      failedAnswerChecks(response({ questions: [{ name: 'y.sim.example', type: 'A', class: 'IN' }] }), RESOLVER, QUERY),
    ).to.deep.equal(['question']);
    expect(
      failedAnswerChecks(
        response({ questions: [{ name: 'x.sim.example', type: 'AAAA', class: 'IN' }] }),
        RESOLVER,
        QUERY,
      ),
    ).to.deep.equal(['question']);
    expect(
      failedAnswerChecks(response({ questions: [{ name: 'x.sim.example', type: 'A', class: 'CH' }] }), RESOLVER, QUERY),
    ).to.deep.equal(['question']);
    expect(failedAnswerChecks(response({ questions: [] }), RESOLVER, QUERY)).to.deep.equal(['question']);
    const twoQuestions = response({
      questions: [
        { name: 'x.sim.example', type: 'A', class: 'IN' },
        { name: 'x.sim.example', type: 'A', class: 'IN' },
      ],
    });
    expect(failedAnswerChecks(twoQuestions, RESOLVER, QUERY)).to.deep.equal(['question']);
    const aQuery = decoded(buildQuery({ id: 1234, name: 'x.sim.example', type: 'A' }));
    expect(failedAnswerChecks(aQuery, RESOLVER, QUERY)).to.deep.equal(['response']);
    expect(failedAnswerChecks(response({ id: 1 }), { address: '127.0.31.7', port: 1 }, QUERY)).to.deep.equal([
      'source',
      'txid',
    ]);
  });

  it('enforces only the checks it is given (a sloppy device)', () => {
    expect(
      failedAnswerChecks(response({ id: 1 }), { address: '127.0.31.7', port: 1 }, QUERY, ['question']),
    ).to.deep.equal([]);
    expect(failedAnswerChecks(response({ id: 1 }), RESOLVER, QUERY, [])).to.deep.equal([]);
  });
});
