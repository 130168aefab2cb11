import { expect } from 'chai';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { blockOf, boundIpv4Endpoints, claimLoopbackBlock } from './loopback-block.ts';
import { loadProfile } from './load-profile.ts';
import { relocateSimulated } from './relocate-simulated.ts';

const PROFILES = join(import.meta.dirname, '..', '..', 'profiles');

describe('loopback blocks', () => {
  it('names the block of a loopback address, never 127.0.0.0/24 or a non-loopback one', () => {
    expect(blockOf('127.0.10.2')).to.equal('127.0.10.');
    expect(blockOf('127.0.0.1')).to.equal(null);
    expect(blockOf('192.168.1.2')).to.equal(null);
  });

  it('gives a block to one holder at a time: a second claim of it gets another block', async () => {
    const first = await claimLoopbackBlock(null);
    const second = await claimLoopbackBlock(first.prefix);
    try {
      expect(second.prefix).to.not.equal(first.prefix);
      expect(boundIpv4Endpoints().some((e) => e.address === `${first.prefix}0`)).to.equal(true);
    } finally {
      await Promise.all([first.release(), second.release()]);
    }
    const again = await claimLoopbackBlock(first.prefix);
    expect(again.prefix).to.equal(first.prefix);
    await again.release();
  });

  it('passes over a block where a program that knows nothing of claims listens', async () => {
    const probe = await claimLoopbackBlock(null);
    await probe.release();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, `${probe.prefix}7`, resolve));
    try {
      const block = await claimLoopbackBlock(probe.prefix);
      expect(block.prefix).to.not.equal(probe.prefix);
      await block.release();
    } finally {
      server.close();
    }
  });

  it('moves a simulated profile whose block is held, every address with it, and says so in the text the run keeps', async () => {
    const good = loadProfile(join(PROFILES, 'sim-good.yaml'));
    const holder = await claimLoopbackBlock('127.0.10.');
    try {
      // Held by this process already, or by another session: either way not 127.0.10. for the profile.
      const relocated = await relocateSimulated([good]);
      try {
        const to = relocated.moved.get('127.0.10.')!;
        expect(to).to.match(/^127\.\d+\.\d+\.$/);
        const moved = relocated.profiles[0]!;
        expect(moved.profile.dut.addresses).to.deep.equal([`${to}2`]);
        // The resolver's first address, and any other it offers (a second resolver for the DHCP change), moved too.
        expect(moved.profile.resolver.listen[0]!.address).to.equal(`${to}1`);
        expect(moved.profile.resolver.listen.every((l) => l.address.startsWith(to))).to.equal(true);
        expect(moved.profile.canaries.slice(0, 5)).to.deep.equal([77, 78, 79, 80, 81].map((n) => `${to}${n}`));
        expect(moved.text.slice(moved.text.indexOf('\n'))).to.not.match(/127\.0\.10\.\d/);
        expect(moved.text).to.match(
          /^# dnsconform moved this simulated device's loopback addresses \(127\.0\.10\.0\/24 → /,
        );
        expect(moved.sha256).to.not.equal(good.sha256);
      } finally {
        await relocated.release();
      }
    } finally {
      await holder.release();
    }
  });
});
