import { expect } from 'chai';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { portOwner } from './port-owner.ts';

describe('portOwner', () => {
  it('names the process listening on an address and port, and nobody on a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(portOwner('tcp', '127.0.0.1', port)).to.match(new RegExp(`\\(pid ${process.pid}\\)`));
      expect(portOwner('udp', '127.0.0.1', port)).to.equal(null);
    } finally {
      server.close();
    }
  });
});
