/**
 * The simulated device's DHCP client: its request is the RENEWING form, it reads an ACK's
 * options and ignores replies to other transactions, and against Debian's dnsmasq on
 * loopback (the harness's own server for simulated devices) it gets its lease, then the
 * second resolver after a resolver change, both recorded as `dhcp.lease` evidence.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { DhcpLeaseEvent, UnnumberedEvent } from '../evidence/events.ts';
import { startLabDhcp } from '../lab-network/dhcp-server.ts';
import { claimLoopbackBlock } from '../profile/loopback-block.ts';
import { parseProfile } from '../profile/load-profile.ts';
import { DhcpClient, parseReply, renewalRequest } from './dhcp-client.ts';
import type { DhcpLease } from './dhcp-client.ts';

const MAC = '02:00:00:00:10:02';

/** A server's reply to `request`, as dnsmasq builds one: op 2, same xid and chaddr, the given options. */
function reply(request: Buffer, options: number[]): Buffer {
  const bytes = Buffer.concat([Buffer.from(request.subarray(0, 240)), Buffer.from([...options, 255])]);
  bytes[0] = 2;
  return bytes;
}

describe('dut/dhcp-client', () => {
  it('asks in the RENEWING form: ciaddr set, no server identifier, no requested address', () => {
    const request = renewalRequest(0x01020304, '127.0.10.2', MAC);
    expect(request.length).to.equal(300);
    expect(request[0]).to.equal(1);
    expect(request.readUInt32BE(4)).to.equal(0x01020304);
    expect([...request.subarray(12, 16)]).to.deep.equal([127, 0, 10, 2]);
    expect(request.subarray(28, 34).toString('hex')).to.equal('020000001002');
    const options = request.subarray(240);
    expect([...options.subarray(0, 3)]).to.deep.equal([53, 1, 3]);
    for (const code of [50, 54]) expect(options.includes(Buffer.from([code, 4]))).to.equal(false);
  });

  it("reads an ACK's resolvers, lease and T1; a NAK; and nothing from another transaction or client", () => {
    const request = renewalRequest(7, '127.0.10.2', MAC);
    const ack = reply(request, [53, 1, 5, 6, 8, 127, 0, 10, 11, 127, 0, 10, 1, 51, 4, 0, 0, 0, 120, 58, 4, 0, 0, 0, 3]);
    expect(parseReply(ack, 7, MAC)).to.deep.equal({
      kind: 'ack',
      lease: { dnsServers: ['127.0.10.11', '127.0.10.1'], leaseSeconds: 120, renewSeconds: 3 },
    });
    expect(parseReply(reply(request, [53, 1, 6]), 7, MAC)).to.deep.equal({ kind: 'nak' });
    expect(parseReply(ack, 8, MAC)).to.equal(null);
    expect(parseReply(ack, 7, '02:00:00:00:10:03')).to.equal(null);
    expect(parseReply(request, 7, MAC), 'its own request').to.equal(null);
  });

  it("gets its lease from the harness's dnsmasq on loopback, and the new resolver after a resolver change", async function () {
    if (process.getuid?.() !== 0) this.skip(); // dnsmasq's DHCP needs root or CAP_NET_ADMIN
    const block = await claimLoopbackBlock('127.0.10.');
    const p = block.prefix;
    const dir = mkdtempSync(join(tmpdir(), 'dnsconform-dhcp-client-'));
    const recorded: DhcpLeaseEvent[] = [];
    const sink: EvidenceSink = {
      record: (event: UnnumberedEvent) => {
        if (event.type === 'dhcp.lease') recorded.push(event as DhcpLeaseEvent);
      },
    } as EvidenceSink;
    // The reference device as the session runs it: its loopback block wherever the claim put it.
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'profiles', 'sim-good.yaml'), 'utf8');
    const profile = parseProfile(text.replaceAll('127.0.10.', p), 'sim-good.yaml');
    const [server] = await startLabDhcp([profile], new Map([['sim-good', dir]]), sink, () => undefined);
    const clients: DhcpClient[] = [];
    const leaseFrom = async (): Promise<DhcpLease> => {
      const leases: DhcpLease[] = [];
      const client = new DhcpClient({
        address: `${p}2`,
        mac: MAC,
        server: server!.loopbackEndpoint!,
        log: () => undefined,
        onLease: (lease) => leases.push(lease),
      });
      clients.push(client);
      return client.start();
    };
    try {
      expect(server?.loopbackEndpoint?.address).to.equal(`${p}1`);
      const first = await leaseFrom();
      expect(first).to.deep.include({ dnsServers: [`${p}1`], leaseSeconds: 120, renewSeconds: 3 });
      expect(await server!.changeResolver()).to.equal(true);
      const second = await leaseFrom();
      expect(second.dnsServers).to.deep.equal([`${p}11`]);
    } finally {
      for (const client of clients) client.stop();
      await server?.stop();
      await block.release();
      rmSync(dir, { recursive: true, force: true });
    }
    // dnsmasq logged both ACKs: the evidence a lab device's leases give, from the same parser.
    expect(recorded.map((l) => [l.kind, l.interface, l.address])).to.deep.equal([
      ['lease', 'lo', `${p}2`],
      ['renewal', 'lo', `${p}2`],
    ]);
  });
});
