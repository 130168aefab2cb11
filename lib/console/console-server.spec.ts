/**
 * The console without Redis (the embedded default): it lists and shows the local run
 * directories, verifies a finished run's bundle, streams a running run's progress, refuses
 * every request without its token, and serves no file outside a run. Requests go through
 * Fastify's inject, no socket.
 */
import { expect } from 'chai';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { finishedSampleRun } from '../report/fixtures/finished-run.ts';
import { PUBLIC_KEY_FILE } from '../report/signing.ts';
import { buildConsole } from './console-server.ts';

const TOKEN = 'a-console-token-for-the-spec-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('console without Redis: the local runs', () => {
  let reports: string;
  let app: FastifyInstance;
  const finished = '20261123T101500Z-cam-1';
  const running = '20261206T120000Z-sim-good';

  before(async () => {
    reports = mkdtempSync(join(tmpdir(), 'dnsconform-console-spec-'));
    const run = await finishedSampleRun();
    cpSync(run.runDir, join(reports, finished), { recursive: true });
    // A run observing now: its log only, its last event a moment ago, no report yet.
    mkdirSync(join(reports, running));
    const now = Date.now() * 1000;
    const events = [
      { seq: 1, type: 'run.start', t: now - 3e6, dut: 'sim-good', runId: running, phase: null },
      {
        seq: 2,
        type: 'phase.start',
        t: now - 2e6,
        dut: 'sim-good',
        name: 'baseline',
        scenario: 'x',
        phase: 'baseline',
      },
      { seq: 3, type: 'dns.query', t: now - 1e6, dut: 'sim-good', phase: 'baseline' },
    ];
    writeFileSync(join(reports, running, 'events.ndjson'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    app = await buildConsole({
      reportsDir: reports,
      queues: null,
      store: null,
      token: TOKEN,
      publicKeyFile: join(run.keyDir, PUBLIC_KEY_FILE),
    });
  });
  after(async () => {
    await app?.close();
    rmSync(reports, { recursive: true, force: true });
  });

  it('refuses every page, file and form without the token, or with a wrong one', async () => {
    for (const url of ['/', '/api/runs', `/runs/${finished}`, `/runs/${finished}/files/report.json`, '/fleet']) {
      expect((await app.inject({ url })).statusCode, url).to.equal(401);
      expect((await app.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode, url).to.equal(401);
      expect((await app.inject({ url, cookies: { 'dnsconform-console': 'wrong' } })).statusCode, url).to.equal(401);
    }
    const form = await app.inject({ method: 'POST', url: '/submit', payload: { profile: 'p', plan: 'q' } });
    expect(form.statusCode).to.equal(401);
  });

  it('logs in with the token: a cookie that then opens the pages', async () => {
    const wrong = await app.inject({ url: '/login?token=nope' });
    expect(wrong.statusCode).to.equal(401);
    const login = await app.inject({ url: `/login?token=${TOKEN}` });
    expect(login.statusCode).to.equal(302);
    const cookie = login.cookies.find((c) => c.name === 'dnsconform-console');
    expect(cookie?.httpOnly).to.equal(true);
    expect(cookie?.sameSite).to.equal('Strict');
    const page = await app.inject({ url: '/', cookies: { 'dnsconform-console': cookie!.value } });
    expect(page.statusCode).to.equal(200);
  });

  it('lists the local runs: the finished one with its verdict, the one observing as running; no submit form', async () => {
    const api = (await app.inject({ url: '/api/runs', headers: auth })).json() as {
      runs: { key: string; state: string; verdict: string | null; bench: string; device: string | null }[];
    };
    expect(api.runs.map((r) => [r.key, r.state, r.bench])).to.deep.equal([
      [running, 'running', 'local'],
      [finished, 'finished', 'local'],
    ]);
    expect(api.runs[1]!.verdict).to.match(/^(CONFORMANT|NOT_CONFORMANT|INCOMPLETE)$/);
    const page = await app.inject({ url: '/', headers: auth });
    expect(page.body).to.include(finished).and.include(running).and.not.include('id="submit-form"');
  });

  it("shows a finished run: verdict, Table I row, figures, documents, and its bundle's verify result", async () => {
    const page = await app.inject({ url: `/runs/${finished}`, headers: auth });
    expect(page.statusCode).to.equal(200);
    expect(page.body).to.include('id="verdict"').and.include('id="table-i"').and.include('<figure>');
    expect(page.body).to.match(/id="verify" data-ok="true"/);
    const bundle = await app.inject({ url: `/runs/${finished}/bundle`, headers: auth });
    expect(bundle.statusCode).to.equal(200);
    expect(bundle.headers['content-type']).to.equal('application/gzip');
    expect(bundle.rawPayload.subarray(0, 2)).to.deep.equal(Buffer.from([0x1f, 0x8b]));
  });

  it('names a run whose signed file was changed as not verified', async () => {
    const tampered = `${finished}-copy`;
    cpSync(join(reports, finished), join(reports, tampered), { recursive: true });
    appendFileSync(join(reports, tampered, 'events.ndjson'), '\n');
    const page = await app.inject({ url: `/runs/${tampered}`, headers: auth });
    expect(page.body).to.match(/id="verify" data-ok="false"/);
    rmSync(join(reports, tampered), { recursive: true });
  });

  it("streams a running run's progress as server-sent events", async () => {
    const stream = await app.inject({ url: `/runs/${running}/stream`, headers: auth, payloadAsStream: true });
    expect(stream.headers['content-type']).to.equal('text/event-stream');
    const first = await new Promise<string>((done) =>
      stream.stream().once('data', (chunk: Buffer) => done(String(chunk))),
    );
    stream.stream().destroy();
    const view = JSON.parse(first.replace(/^data: /, '')) as {
      state: string;
      progress: { phase: string; queries: number };
    };
    expect(view.state).to.equal('running');
    expect(view.progress).to.include({ phase: 'baseline', queries: 1 });
  });

  it("shows the fleet: each device's latest finished run as a Table I row", async () => {
    const page = await app.inject({ url: '/fleet', headers: auth });
    expect(page.statusCode).to.equal(200);
    expect(page.body).to.match(/<table class="table-i dense" id="fleet">[\s\S]*href="\/runs\/20261123T101500Z-cam-1"/);
  });

  it('serves no file outside a run directory, and no run that is not there', async () => {
    for (const url of [`/runs/${finished}/files/../../etc/passwd`, `/runs/${finished}/files/%2e%2e/x`, '/runs/nope']) {
      expect((await app.inject({ url, headers: auth })).statusCode, url).to.equal(404);
    }
    expect((await app.inject({ method: 'POST', url: '/submit', headers: auth, payload: {} })).statusCode).to.equal(404);
  });
});
