/** A run's progress read from its evidence log as it grows, and the console's token file. */
import { expect } from 'chai';
import { appendFileSync, chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureConsoleToken, isLoopback, tokenMatches } from './console-token.ts';
import { RunProgressTail } from './run-progress.ts';

const line = (event: object) => `${JSON.stringify(event)}\n`;

describe('console: run progress from events.ndjson', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-progress-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows phases, queries and early-stop decisions as the log grows, a half-written line waiting for its end', () => {
    const file = join(dir, 'events.ndjson');
    const t = 1_800_000_000_000_000;
    writeFileSync(file, line({ type: 'run.start', t, dut: 'd' }));
    const tail = new RunProgressTail(dir, 3);
    expect(tail.read()).to.include({ events: 1, phase: null, phasesStarted: 0, phasesPlanned: 3 });
    appendFileSync(file, line({ type: 'phase.start', t: t + 1e6, name: 'baseline' }));
    const query = line({ type: 'dns.query', t: t + 2e6 });
    appendFileSync(file, query.slice(0, 10));
    expect(tail.read()).to.include({ events: 2, phase: 'baseline', phasesStarted: 1, queries: 0 });
    appendFileSync(file, query.slice(10));
    appendFileSync(file, line({ type: 'phase.end', t: t + 3e6, name: 'baseline', reason: 'every check settled' }));
    appendFileSync(file, line({ type: 'phase.start', t: t + 3e6, name: 'ttl-zero' }));
    appendFileSync(file, line({ type: 'phase.end', t: t + 4e6, name: 'ttl-zero', reason: 'window elapsed' }));
    const progress = tail.read();
    expect(progress).to.include({ events: 6, queries: 1, phasesStarted: 2, phase: null });
    // Only a phase that ended before its window is a decision.
    expect(progress.decisions).to.deep.equal([{ phase: 'baseline', reason: 'every check settled' }]);
    // Six events within the last 5 s of the log's clock.
    expect(progress.eventsPerSecond).to.equal(1.2);
    appendFileSync(file, line({ type: 'run.end', t: t + 5e6, reason: 'window elapsed' }));
    expect(tail.read().ended).to.deep.equal({ reason: 'window elapsed' });
  });
});

describe('console: the login token', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, mode 0600, and read back the same', () => {
    const file = join(dir, 'keys', 'console-token');
    const made = ensureConsoleToken(file);
    expect(made.created).to.equal(true);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(ensureConsoleToken(file)).to.deep.equal({ token: made.token, created: false });
    expect(tokenMatches(made.token, made.token)).to.equal(true);
    expect(tokenMatches(made.token, `${made.token}x`)).to.equal(false);
    expect(tokenMatches(made.token, undefined)).to.equal(false);
  });

  it('refuses a token file others can read', () => {
    const file = join(dir, 'console-token');
    writeFileSync(file, 'x'.repeat(40));
    chmodSync(file, 0o644);
    expect(() => ensureConsoleToken(file)).to.throw(/readable by others \(mode 644\)/);
  });

  it('tells loopback listen addresses from others', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).to.deep.equal([true, true, true, true]);
    expect(['0.0.0.0', '10.0.0.5', '::', '128.0.0.1'].map(isLoopback)).to.deep.equal([false, false, false, false]);
  });
});
