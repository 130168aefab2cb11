import { expect } from 'chai';
import type { RecordedEvent } from '../evidence/event-log.ts';
import { LatenessMonitor } from './lateness-monitor.ts';

/** Holds this process's event loop for `ms`, as a descheduled or busy harness would be held. */
function hold(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('resolver/lateness-monitor: how late the harness itself runs, as evidence', () => {
  function monitored(): {
    monitor: LatenessMonitor;
    late: () => Extract<RecordedEvent, { type: 'harness.lateness' }>[];
  } {
    const events: RecordedEvent[] = [];
    const monitor = new LatenessMonitor({ record: (event) => events.push(event) });
    return {
      monitor,
      late: () =>
        events.filter((e): e is Extract<RecordedEvent, { type: 'harness.lateness' }> => e.type === 'harness.lateness'),
    };
  }

  it('records the second in which its loop was held, with the lateness it measured', async () => {
    const { monitor, late } = monitored();
    monitor.start();
    await sleep(120);
    hold(400);
    await sleep(1200);
    monitor.stop();
    const worst = late().reduce((max, e) => Math.max(max, e.lateMs), 0);
    // Held 400 ms: the timer due within it fired at least 400 − 50 ms late (more on a loaded machine).
    expect(worst).to.be.at.least(350);
    for (const e of late()) {
      expect(e).to.include({ dut: null, tickMs: 50 });
      expect(e.since).to.be.below(e.t);
    }
  });

  it('counts a hold that is still going on when it stops', () => {
    const { monitor, late } = monitored();
    monitor.start();
    hold(300);
    monitor.stop();
    expect(late()).to.have.length(1);
    expect(late()[0]!.lateMs).to.be.at.least(250);
  });
});
