import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Reply, Responder } from './responder.ts';
import { listenUdp } from './udp-listener.ts';

describe('resolver/udp-listener', () => {
  it('drops an upstream answer that comes after the listener closed, instead of throwing from the send', async () => {
    let answer!: (reply: Reply) => void;
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    // A responder whose answer is still out upstream when the listener closes (the run's end, a closed-port phase).
    const responder = {
      handle: () => {
        asked();
        return new Promise<Reply>((resolve) => {
          answer = resolve;
        });
      },
    } as unknown as Responder;
    const errors: Error[] = [];
    const listener = await listenUdp('127.0.0.1', 0, responder, (error) => errors.push(error));
    const client = createSocket('udp4');
    try {
      client.send(Buffer.from('a query'), listener.port, '127.0.0.1');
      await wasAsked;
      await listener.close();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      answer({ bytes: Buffer.from('the late answer'), copies: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    } finally {
      client.close();
    }
  });
});
