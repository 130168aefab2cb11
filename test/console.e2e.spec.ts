/**
 * The lab console as a lab uses it (issue 20): a real redis-server on loopback, two benches
 * (`dnsconform worker`, each session claiming its own loopback /24 for its simulated
 * devices), the console (`dnsconform serve`), and Chromium driving the console's pages.
 * Runs are submitted through the console's form; both benches run at once; the live page
 * streams a run's progress; bench a is killed mid-run, its run is shown failed with its
 * evidence kept and is retried on bench b; a finished run's bundle, downloaded in the
 * browser, passes `dnsconform verify`. The console refuses requests without its token.
 *
 * Short on purpose (test/fixtures/console/tiny-plan.yaml, two phases of 8 or 15 s): a queued run is a
 * session plus judgement, ~40 s on a loaded host. Every wait is on an event (a line a
 * process printed, a page element, a file) bounded only by the spec's timeout; the step
 * waited on is kept in `waitingOn` and printed with the processes' output when a step fails.
 * Everything started here is stopped in `after`, also on failure.
 *
 * With DNSCONFORM_DOCS_SCREENSHOTS=1 the screenshots also go to docs/console-*.png (how the
 * committed ones were made); otherwise they stay in the temporary folder.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser, Page } from 'puppeteer-core';
import { findChromium } from '../lib/report/pdf/find-chromium.ts';
import { runCli } from './cli-process-test-kit.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'dnsconform.js');
const PLAN = join(ROOT, 'test', 'fixtures', 'console', 'tiny-plan.yaml');

/** A free TCP port on 127.0.0.1 (the kernel's pick, released for the server that takes it). */
async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A process of the test with everything it printed. */
interface Started {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: boolean;
}

describe('lab console: benches on Redis, runs submitted and followed in Chromium', function () {
  // Each step waits on runs of ~40 s (a session plus judgement on a loaded host); the
  // longest, two such runs one after the other on bench b.
  this.timeout(300_000);
  let work: string;
  let redisUrl: string;
  let base: string;
  let token: string;
  let browser: Browser | undefined;
  let page: Page;
  const processes: Started[] = [];
  let waitingOn = 'setup';
  const streamed: { at: string; url: string; event: string; data: string }[] = [];
  let killedJob = '';
  let finishedJob = '';
  let retryJob = '';

  /** Starts a process in its own process group (a bench's simulated devices die with it). */
  const start = (name: string, command: string, args: string[]): Started => {
    const child = spawn(command, args, { cwd: work, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const started: Started = { name, child, output: [], exited: false };
    const keep = (chunk: Buffer) => started.output.push(chunk.toString('utf8'));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', () => {
      started.exited = true;
    });
    processes.push(started);
    return started;
  };

  /** Resolves with the first match of `pattern` in what the process printed; rejects if it exits first. */
  const printed = (started: Started, pattern: RegExp): Promise<RegExpExecArray> => {
    waitingOn = `${started.name} to print ${pattern}`;
    return new Promise((done, fail) => {
      const look = () => {
        const match = pattern.exec(started.output.join(''));
        if (match) {
          clearInterval(timer);
          done(match);
        } else if (started.exited) {
          clearInterval(timer);
          fail(new Error(`${started.name} exited before printing ${pattern}:\n${started.output.join('')}`));
        }
      };
      const timer = setInterval(look, 100);
      look();
    });
  };

  const stop = (started: Started, signal: NodeJS.Signals) => {
    if (started.exited || started.child.pid === undefined) return;
    try {
      process.kill(-started.child.pid, signal);
    } catch {
      // Already gone.
    }
  };

  /** Waits on the console page until `predicate` holds, reloading the page between looks when asked. */
  const pageShows = async (what: string, predicate: string | (() => boolean), reload = false): Promise<void> => {
    waitingOn = what;
    for (;;) {
      // A live page reloads itself when its run ends: a look that meets the reload looks again.
      const holds = await page.evaluate(predicate as () => boolean).catch((error: Error) => {
        if (/context was destroyed|navigat/i.test(error.message)) return false;
        throw error;
      });
      if (holds) return;
      // Not page.waitForNetworkIdle: it counts requests for the page's whole life, and one that
      // interception lost at a navigation (a live page's stream) would keep it waiting forever.
      if (reload) await page.reload({ waitUntil: 'load' });
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  const worker = (bench: string) =>
    start(`worker ${bench}`, process.execPath, [
      CLI,
      'worker',
      '--bench',
      bench,
      '--redis',
      redisUrl,
      '--store',
      'store',
      '--work',
      `bench-${bench}`,
      '--keys',
      'keys',
      // A killed bench's run is found failed within lock + interval; the lock is renewed
      // every 7.5 s, which the harness's event loop keeps up with while it judges.
      '--lock-seconds',
      '15',
      '--stalled-seconds',
      '3',
    ]);

  /** Submits a run through the console's form; resolves with its job id. */
  const submit = async (profile: string, window: string, bench: string): Promise<string> => {
    waitingOn = `submitting ${profile} on ${bench || 'any bench'}`;
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.select('#profile', profile);
    await page.$eval('#plan', (el, plan) => ((el as HTMLInputElement).value = plan), PLAN);
    await page.$eval('#window', (el, w) => ((el as HTMLInputElement).value = w), window);
    await page.select('#bench', bench);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#submit')]);
    const match = /\/runs\/(run-[a-z0-9-]+)$/.exec(page.url());
    expect(match, page.url()).to.not.equal(null);
    return match![1]!;
  };

  const runRow = (key: string) =>
    `(document.querySelector('#runs tr[data-key="${key}"]')?.getAttribute('data-state') ?? null)`;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-console-'));
    const keys = await runCli(['keys', 'init', '--dir', join(work, 'keys')]);
    expect(keys.code, keys.stderr).to.equal(0);
    const redisPort = await freePort();
    const redis = start('redis-server', 'redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    await printed(redis, /Ready to accept connections/);
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    const benches = [worker('a'), worker('b')];
    const serve = start('serve', process.execPath, [
      CLI,
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--redis',
      redisUrl,
      '--store',
      'store',
      '--reports',
      'reports',
      '--token-file',
      'console-token',
      '--keys',
      'keys',
    ]);
    base = (await printed(serve, /console on (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    for (const bench of benches) await printed(bench, /takes runs for sim-good, sim-bad/);
    token = readFileSync(join(work, 'console-token'), 'utf8').trim();
    waitingOn = 'Chromium to start';
    browser = await puppeteer.launch({
      executablePath: findChromium(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
      downloadBehavior: { policy: 'allow', downloadPath: join(work, 'downloads') },
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // Every server-sent update the browser received, as its network layer reports them (not the
    // page's script): a live page is judged on what it was sent while its run streamed, even when
    // the run ended before the spec looked, and a failing step prints them.
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    const urls = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.eventSourceMessageReceived', (e) =>
      streamed.push({
        at: new Date().toISOString(),
        url: urls.get(e.requestId) ?? '?',
        event: e.eventName,
        data: e.data,
      }),
    );
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith(base) || request.url().startsWith('data:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    console.log(`\nwaiting on: ${waitingOn}; the page (${page?.url()}):`);
    console.log((await page?.evaluate(() => document.body.textContent).catch(() => '')) ?? '');
    console.log(`server-sent updates the browser received (the last 10 of ${streamed.length}):`);
    for (const m of streamed.slice(-10)) console.log(`${m.at} ${m.url} ${m.event} ${m.data.slice(0, 300)}`);
    for (const p of processes) console.log(`--- ${p.name}:\n${p.output.join('').slice(-4000)}`);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    for (const p of processes) stop(p, 'SIGTERM');
    // Wait for every process to go (SIGKILL for one still there after its group was asked).
    for (const p of processes) {
      for (let i = 0; i < 50 && !p.exited; i += 1) await new Promise((r) => setTimeout(r, 100));
      stop(p, 'SIGKILL');
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await fetch(`${base}/api/runs`)).status).to.equal(401);
    expect((await fetch(`${base}/`, { headers: { accept: 'text/html' } })).status).to.equal(401);
    expect((await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer not-the-token' } })).status).to.equal(
      401,
    );
    const submitted = await fetch(`${base}/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `profile=sim-good&plan=${encodeURIComponent(PLAN)}`,
    });
    expect(submitted.status).to.equal(401);
    const runs = await fetch(`${base}/api/runs`, { headers: { authorization: `Bearer ${token}` } });
    expect(runs.status).to.equal(200);
    expect(((await runs.json()) as { runs: unknown[] }).runs).to.deep.equal([]);
  });

  it('logs in with the token in Chromium', async () => {
    const response = await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(response?.status()).to.equal(401);
    await page.type('#token', token);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#login')]);
    expect(page.url()).to.equal(`${base}/`);
    expect(await page.$eval('h1', (h) => h.textContent)).to.equal('Runs');
  });

  it('runs two submitted runs on the two benches at once, with live progress', async () => {
    // Windows long enough that both runs are still observing when they are looked at: 2 × 8 s
    // on bench b, 2 × 30 s on bench a (killed in its first phase; 15 s ended before its page was looked at once).
    finishedJob = await submit('sim-bad', '8', 'b');
    await pageShows(
      'the first run running on bench b',
      () => document.querySelector('#state')?.textContent === 'running',
    );
    // Submitted for any bench: b is busy, so bench a takes it. The form leads to its live
    // page, where server-sent events update the phase and the event count.
    killedJob = await submit('sim-good', '30', '');
    waitingOn = 'the live page of the second run to be sent a phase and events';
    const sentProgress = () =>
      streamed.some((m) => {
        if (!m.url.endsWith(`/runs/${killedJob}/stream`) || m.event !== 'message') return false;
        const view = JSON.parse(m.data) as { progress: { phase: string | null; events: number } | null };
        return view.progress !== null && view.progress.phase !== null && view.progress.events > 0;
      });
    while (!sentProgress()) await new Promise((r) => setTimeout(r, 200));
    // The page shows what it was sent (its script sets the count from each update).
    await pageShows(
      'the live page to show the events',
      () => Number(document.querySelector('#events')?.textContent) > 0,
    );
    expect(await page.$eval('#bench', (el) => el.textContent)).to.equal('a');
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await pageShows(
      'both runs running on the runs page',
      `${runRow(finishedJob)} === 'running' && ${runRow(killedJob)} === 'running'`,
      true,
    );
    const benches = await page.$$eval('#runs tbody tr', (rows) =>
      rows.map((row) => [row.getAttribute('data-key'), row.children[4]?.textContent]),
    );
    expect(Object.fromEntries(benches)).to.include({ [finishedJob]: 'b', [killedJob]: 'a' });
    await page.goto(`${base}/runs/${killedJob}`, { waitUntil: 'load' });
  });

  it('shows the run of a killed bench failed, its evidence kept, and runs it again on the other bench', async () => {
    const benchA = processes.find((p) => p.name === 'worker a')!;
    stop(benchA, 'SIGKILL');
    await pageShows(
      'the run of the killed bench a to be shown failed (lock expiry + stalled check by bench b)',
      () => document.querySelector('#state')?.textContent === 'failed',
      true,
    );
    // The failed run's page as served now (the live page may have been mid-reload).
    await page.goto(`${base}/runs/${killedJob}`, { waitUntil: 'load' });
    const evidence = await page.$eval('#evidence', (el) => el.textContent ?? '');
    expect(evidence).to.match(/on bench a: .*bench-a/);
    const kept = join(work, 'bench-a', killedJob);
    expect(
      readdirSync(kept).some((dir) => existsSync(join(kept, dir, 'events.ndjson'))),
      kept,
    ).to.equal(true);
    await page.select('#retry-bench', 'b');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#retry')]);
    retryJob = /\/runs\/(run-[a-z0-9-]+)$/.exec(page.url())![1]!;
    expect(retryJob).to.not.equal(killedJob);
  });

  it('shows both finished runs with verdict, Table I row, figures and a verified bundle that verify accepts', async () => {
    expect(retryJob, 'the retried run (previous step)').to.not.equal('');
    for (const job of [finishedJob, retryJob]) {
      await page.goto(`${base}/runs/${job}`, { waitUntil: 'load' });
      await pageShows(`run ${job} to finish`, () => document.querySelector('#verdict') !== null, true);
      expect(await page.$eval('#bench', (el) => el.textContent)).to.equal('b');
      expect(await page.$eval('#verdict', (el) => el.textContent)).to.match(/^(CONFORMANT|NOT_CONFORMANT|INCOMPLETE)$/);
      expect(await page.$$eval('#table-i td', (cells) => cells.length)).to.equal(9);
      expect(await page.$eval('#verify', (el) => el.getAttribute('data-ok'))).to.equal('true');
      expect(await page.$$eval('figure img', (imgs) => imgs.length)).to.be.greaterThan(0);
    }
    // sim-bad misbehaves on purpose: its run is NOT_CONFORMANT.
    await page.goto(`${base}/runs/${finishedJob}`, { waitUntil: 'load' });
    expect(await page.$eval('#verdict', (el) => el.textContent)).to.equal('NOT_CONFORMANT');
    const shots = mkdtempSync(join(work, 'shots-'));
    await page.screenshot({ path: join(shots, 'console-run.png'), fullPage: false });
    await page.click('#bundle');
    const runId = (await page.$eval('#run-fields', (el) => /run (\S+)\)/.exec(el.textContent ?? '')?.[1] ?? ''))!;
    const file = join(work, 'downloads', `${runId}.tar.gz`);
    waitingOn = `the bundle download ${file}`;
    while (!existsSync(file)) await new Promise((r) => setTimeout(r, 200));
    const verified = await runCli(['verify', file, '--key', join(work, 'keys', 'lab-ed25519.pub.pem')]);
    expect(verified.code, `${verified.stdout}${verified.stderr}`).to.equal(0);
    // The report's documents are served.
    const html = await page.evaluate(
      async (key) => (await fetch(`/runs/${key}/files/report.html`)).status,
      finishedJob,
    );
    expect(html).to.equal(200);

    await page.goto(`${base}/`, { waitUntil: 'load' });
    const states = await page.$$eval('#runs tbody tr', (rows) =>
      Object.fromEntries(rows.map((row) => [row.getAttribute('data-key'), row.getAttribute('data-state')])),
    );
    expect(states).to.deep.equal({ [retryJob]: 'finished', [killedJob]: 'failed', [finishedJob]: 'finished' });
    await page.screenshot({ path: join(shots, 'console-runs.png'), fullPage: false });
    // The killed run never ran anywhere else: no folder of it on bench b.
    expect(existsSync(join(work, 'bench-b', killedJob))).to.equal(false);
    if (process.env.DNSCONFORM_DOCS_SCREENSHOTS === '1') {
      for (const shot of ['console-run.png', 'console-runs.png'])
        copyFileSync(join(shots, shot), join(ROOT, 'docs', shot));
    }
  });

  it("keeps the killed run's evidence in the store when its bench starts again", async () => {
    const again = worker('a');
    await printed(
      again,
      new RegExp(`run ${killedJob} did not finish on this bench before; its evidence is kept in (\\S+)`),
    );
    await page.goto(`${base}/runs/${killedJob}`, { waitUntil: 'load' });
    expect(await page.$eval('#evidence', (el) => el.textContent ?? '')).to.match(/in the store: .*failed/);
    const stored = join(work, 'store', 'failed', killedJob);
    expect(
      readdirSync(stored).some((dir) => existsSync(join(stored, dir, 'events.ndjson'))),
      stored,
    ).to.equal(true);
    // Still failed: starting again does not run it again.
    expect(await page.$eval('#state', (el) => el.textContent)).to.equal('failed');
  });
});
