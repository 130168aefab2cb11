import { expect } from 'chai';
import type { Answer } from 'dns-packet';
import { buildResponse } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import { usableRecords } from './record-validation.ts';

const QUESTION = { name: 'api.sim.example', type: 'A' };

/** A reply to an A query for api.sim.example, through the wire and back, as the stub receives it. */
function reply(answers: Answer[], additionals: Answer[] = []): DecodedMessage {
  const decoded = decodeMessage(
    encodeMessage(
      buildResponse({
        id: 1,
        questions: [{ name: QUESTION.name, type: 'A', class: 'IN' }],
        rcode: 'NOERROR',
        bits: { rd: true, ra: true },
        answers,
        additionals,
      }),
    ),
  );
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.message;
}

const a = (name: string, data: string, klass = 'IN'): Answer =>
  ({ name, type: 'A', class: klass, ttl: 60, data }) as Answer;

describe('dut/record-validation (which records a strict and a sloppy stub use)', () => {
  it('strict: takes the A record of the question and the CNAME chain leading to it', () => {
    const usable = usableRecords(
      reply([
        { name: QUESTION.name, type: 'CNAME', class: 'IN', ttl: 30, data: 'cdn.sim.example' },
        a('cdn.sim.example', '127.0.63.5'),
      ]),
      QUESTION,
      'strict',
    );
    expect(usable.addresses.map((rr) => rr.data)).to.deep.equal(['127.0.63.5']);
    expect(usable.lifetimeRecords).to.have.length(2);
    expect(usable.rejected).to.equal(0);
  });

  for (const [label, record] of [
    ['TXT', { name: QUESTION.name, type: 'TXT', class: 'IN', ttl: 60, data: 'x' }],
    [
      'MX',
      {
        name: QUESTION.name,
        type: 'MX',
        class: 'IN',
        ttl: 60,
        data: { preference: 10, exchange: 'mx.dnsconform.invalid' },
      },
    ],
    ['AAAA', { name: QUESTION.name, type: 'AAAA', class: 'IN', ttl: 60, data: '::1' }],
    ['an A record of class CH', a(QUESTION.name, '127.0.63.77', 'CH')],
    ['an A record for another name', a('other.sim.example', '127.0.63.77')],
  ] as [string, Answer][]) {
    it(`strict: rejects ${label} in the answer to an A query; sloppy uses it`, () => {
      const strict = usableRecords(reply([record]), QUESTION, 'strict');
      expect(strict.addresses).to.have.length(0);
      expect(strict.rejected).to.equal(1);
      const sloppy = usableRecords(reply([record]), QUESTION, 'sloppy');
      expect(sloppy.addresses.length + (sloppy.follow ? 1 : 0), JSON.stringify(sloppy)).to.equal(
        record.type === 'TXT' ? 0 : 1,
      );
    });
  }

  it('strict: ignores addresses for other names in the additional section; sloppy takes them', () => {
    const message = reply([a(QUESTION.name, '127.0.63.5')], [a('evil.sim.example', '127.0.63.77')]);
    expect(usableRecords(message, QUESTION, 'strict').addresses.map((rr) => rr.data)).to.deep.equal(['127.0.63.5']);
    expect(usableRecords(message, QUESTION, 'sloppy').addresses.map((rr) => rr.data)).to.deep.equal([
      '127.0.63.5',
      '127.0.63.77',
    ]);
  });

  it('sloppy: follows an MX or NS target when no address came', () => {
    const mx = reply([
      {
        name: QUESTION.name,
        type: 'MX',
        class: 'IN',
        ttl: 60,
        data: { preference: 10, exchange: 'mx.dnsconform.invalid' },
      } as Answer,
    ]);
    expect(usableRecords(mx, QUESTION, 'sloppy').follow).to.equal('mx.dnsconform.invalid');
    const ns = reply([
      { name: QUESTION.name, type: 'NS', class: 'IN', ttl: 60, data: 'ns.dnsconform.invalid' } as Answer,
    ]);
    expect(usableRecords(ns, QUESTION, 'sloppy').follow).to.equal('ns.dnsconform.invalid');
    expect(usableRecords(ns, QUESTION, 'strict').follow).to.equal(null);
  });

  it('strict: a CNAME loop ends', () => {
    const loop = reply([
      { name: QUESTION.name, type: 'CNAME', class: 'IN', ttl: 60, data: 'b.sim.example' },
      { name: 'b.sim.example', type: 'CNAME', class: 'IN', ttl: 60, data: QUESTION.name },
    ] as Answer[]);
    expect(usableRecords(loop, QUESTION, 'strict').addresses).to.have.length(0);
  });
});
