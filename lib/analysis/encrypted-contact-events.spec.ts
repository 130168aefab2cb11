import { expect } from 'chai';
import type { SecureDnsContact } from '../capture/dns-extract.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import { interleaveEncryptedContacts, withEncryptedContacts } from './encrypted-contact-events.ts';
import { QUERY_FLAGS } from '../evidence/event-test-kit.ts';

const T0 = 1_767_225_600_000_000;

/** A run of the capture phase: one query at +10 answered at +20, then the phase and run end at +50. */
function events(): EvidenceEvent[] {
  const base = { dut: 'cam', phase: 'capture' };
  const message = {
    transport: 'udp' as const,
    client: { address: '127.0.78.10', port: 5000 },
    server: { address: '127.0.78.1', port: 53 },
    txid: 1,
    flags: QUERY_FLAGS,
    questions: [{ name: 'a.example', type: 'A', class: 'IN' }],
    edns: null,
    size: 27,
    wire: '',
    scenario: 'capture',
  };
  return [
    { seq: 1, type: 'run.start', t: T0, dut: 'cam', phase: null, runId: 'r' },
    { seq: 2, type: 'phase.start', t: T0, ...base, name: 'capture', scenario: 'capture' },
    { seq: 3, type: 'dns.query', t: T0 + 10, ...base, ...message },
    {
      seq: 4,
      type: 'dns.response',
      t: T0 + 20,
      ...base,
      ...message,
      queryRef: 3,
      answers: [],
      authority: [],
      additional: [],
      manipulations: [],
      reason: null,
    },
    { seq: 5, type: 'phase.end', t: T0 + 50, ...base, name: 'capture', scenario: 'capture', reason: 'end of capture' },
    { seq: 6, type: 'run.end', t: T0 + 50, dut: 'cam', phase: null, runId: 'r', reason: 'end of capture' },
  ];
}

function contact(kind: SecureDnsContact['kind'], firstSeen: number): SecureDnsContact {
  return {
    kind,
    server: { address: '1.1.1.1', port: 853 },
    serverName: 'one.one.one.one',
    alpn: ['dot'],
    file: 'x.pcap',
    frame: 9,
    firstSeen,
    contacts: 2,
  };
}

describe('analysis/encrypted-contact-events', () => {
  it('puts each contact in time order, renumbers, and keeps responses linked to their queries', () => {
    const merged = withEncryptedContacts(events(), [contact('dot', T0 + 15), contact('doh', T0 + 5)], 'cam');
    expect(merged.map((e) => [e.seq, e.type])).to.deep.equal([
      [1, 'run.start'],
      [2, 'phase.start'],
      [3, 'dns.encrypted-contact'],
      [4, 'dns.query'],
      [5, 'dns.encrypted-contact'],
      [6, 'dns.response'],
      [7, 'phase.end'],
      [8, 'run.end'],
    ]);
    const response = merged[5]!;
    expect(response.type === 'dns.response' && response.queryRef).to.equal(4);
    expect(merged[4]).to.deep.include({
      protocol: 'dot',
      t: T0 + 15,
      dut: 'cam',
      phase: 'capture',
      sni: 'one.one.one.one',
      contacts: 2,
      source: 'capture',
      capture: { file: 'x.pcap', frame: 9 },
    });
  });

  it('keeps a contact at the very end inside the phase', () => {
    const merged = withEncryptedContacts(events(), [contact('doq', T0 + 50)], 'cam');
    expect(merged.map((e) => e.type).slice(-3)).to.deep.equal(['dns.encrypted-contact', 'phase.end', 'run.end']);
  });

  it('leaves the events as they were without contacts', () => {
    expect(withEncryptedContacts(events(), [], 'cam')).to.deep.equal(events());
  });

  it('gives the same events one at a time (interleaveEncryptedContacts), wherever the contacts fall', () => {
    const times = [T0 - 5, T0, T0 + 10, T0 + 15, T0 + 20, T0 + 50, T0 + 60];
    const kinds: SecureDnsContact['kind'][] = ['dot', 'doq', 'doh'];
    for (const [i, a] of times.entries()) {
      for (const b of times.slice(i)) {
        const contacts = [contact(kinds[i % 3]!, b), contact(kinds[(i + 1) % 3]!, a), contact('doh', a)];
        for (const input of [() => events(), () => events().slice(0, 4)]) {
          expect(
            [...interleaveEncryptedContacts(input(), contacts, 'cam')],
            `contacts at ${a - T0}, ${b - T0}`,
          ).to.deep.equal(withEncryptedContacts(input(), contacts, 'cam'));
        }
      }
    }
  });
});
