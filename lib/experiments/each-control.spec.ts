import { expect } from 'chai';
import { eachControl } from '../run/live-session.ts';

/** A device whose action takes a while and notes when it began and ended, in order. */
function devices(kinds: ('sim' | 'lab')[], log: string[]) {
  return kinds.map((kind, i) => ({
    simulated: kind === 'sim',
    name: `${kind}${i}`,
    act: async () => {
      log.push(`start ${kind}${i}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${kind}${i}`);
    },
  }));
}

describe('experiments/session: power cycles and prompts of several devices', () => {
  it('acts on simulated devices together, then on lab devices one at a time (one operator, one device)', async () => {
    const log: string[] = [];
    await eachControl(devices(['lab', 'sim', 'lab', 'sim', 'lab'], log), (d) => d.act());
    expect(log.slice(0, 2).sort(), 'the simulated devices start together').to.deep.equal(['start sim1', 'start sim3']);
    expect(log.slice(4)).to.deep.equal(['start lab0', 'end lab0', 'start lab2', 'end lab2', 'start lab4', 'end lab4']);
  });

  it('stops at the first lab device whose action fails, before asking about the next', async () => {
    const log: string[] = [];
    const lab = devices(['lab', 'lab'], log);
    const failing = [
      {
        ...lab[0]!,
        act: async () => {
          log.push('start lab0');
          throw new Error('power-cycle command failed');
        },
      },
      lab[1]!,
    ];
    let error: Error | null = null;
    await eachControl(failing, (d) => d.act()).catch((e: Error) => {
      error = e;
    });
    expect(error).to.match(/power-cycle command failed/);
    expect(log).to.deep.equal(['start lab0']);
  });
});
