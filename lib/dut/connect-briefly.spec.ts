/**
 * A simulated device's IPv6 canary on loopback is IPv4-mapped (`::ffff:127.A.B.82`): the
 * device reaches it from its own address, so the canary sink sees which device used a forged
 * AAAA record (on ::1 every connection comes from ::1), and the canary lives in the session's
 * own /24, so two sessions never share it.
 */
import { expect } from 'chai';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { claimLoopbackBlock } from '../profile/loopback-block.ts';
import { canonicalAddress } from '../resolver/access-list.ts';
import { connectBriefly } from './connect-briefly.ts';

describe('dut/connectBriefly to an IPv4-mapped canary', () => {
  it('connects from the device address mapped the same way: the listener on the IPv4 canary sees the device', async () => {
    const block = await claimLoopbackBlock(null);
    const canary = `${block.prefix}82`;
    const seen: string[] = [];
    const server = createServer((socket) => {
      seen.push(`${socket.remoteAddress} ${socket.remoteFamily}`);
      socket.end();
    });
    try {
      await new Promise<void>((resolve) => server.listen(0, canary, resolve));
      const { port } = server.address() as AddressInfo;
      // As a decoded AAAA record writes it (dns-packet): the hex form of the mapped address.
      const [a, b, c, d] = canary.split('.').map(Number) as [number, number, number, number];
      const hex = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
      expect(canonicalAddress(hex)).to.equal(canary);
      expect(canonicalAddress(`::ffff:${canary}`)).to.equal(canary);
      expect(await connectBriefly(hex, port, 5000, `${block.prefix}2`)).to.deep.equal({ connected: true });
      expect(seen).to.deep.equal([`${block.prefix}2 IPv4`]);
    } finally {
      server.close();
      await block.release();
    }
  });
});
