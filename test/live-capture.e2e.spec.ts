/**
 * Live capture end to end on loopback: a short run of the reference device writes a pcapng
 * that our reader parses, that holds every DNS query the resolver logged, whose hash is in
 * the manifest, and that `verify` accepts. With the capture tool missing, the run still
 * completes and its evidence says why there are no packets.
 * Addresses: 127.0.64.0/24 (resolver .1, device .2, canary .77) when free; when another
 * session or test holds that /24 the session moves the device to a free block (its claim),
 * and the spec reads the addresses used from the run (its profile copy, its output).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPacketCounters, readPackets } from '../lib/capture/packets.ts';
import { CAPTURE_TOOL_ENV } from '../lib/capture/live-capture.ts';
import type { CaptureEvent } from '../lib/evidence/events.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import type { Evidence } from '../lib/evidence/evidence.ts';
import { hashFile, parseManifest } from '../lib/evidence/manifest.ts';
import { runSession } from '../lib/run/live-session.ts';
import type { DeviceRun } from '../lib/run/live-session.ts';
import { parseProfile } from '../lib/profile/load-profile.ts';
import type { LoadedProfile } from '../lib/profile/load-profile.ts';
import { ensureKeys } from '../lib/report/signing.ts';
import { verifyRun } from '../lib/report/verify-run.ts';

const ROOT = join(import.meta.dirname, '..');
const WINDOW_SECONDS = 3;

/** The reference good device, moved to this spec's own loopback addresses. */
function profileOn64(): LoadedProfile {
  const file = join(ROOT, 'profiles', 'sim-good.yaml');
  const text = readFileSync(file, 'utf8')
    .replace(/127\.0\.10\./g, '127.0.64.')
    .replace(/^canaries:.*$/m, 'canaries: [127.0.64.77]');
  return { profile: parseProfile(text, file), file, text, sha256: createHash('sha256').update(text).digest('hex') };
}

async function shortRun(work: string, tool?: string): Promise<DeviceRun> {
  const keyDir = join(work, 'keys');
  ensureKeys(keyDir);
  const saved = process.env[CAPTURE_TOOL_ENV];
  if (tool) process.env[CAPTURE_TOOL_ENV] = tool;
  try {
    const [run] = await runSession({
      profiles: [profileOn64()],
      outDir: join(work, 'reports'),
      windowSeconds: WINDOW_SECONDS,
      keyDir,
      progress: () => undefined,
      documents: false,
    });
    return run!;
  } finally {
    if (saved === undefined) delete process.env[CAPTURE_TOOL_ENV];
    else process.env[CAPTURE_TOOL_ENV] = saved;
  }
}

const captureEvents = (evidence: Evidence): CaptureEvent[] =>
  evidence.events.filter((e): e is CaptureEvent => e.type.startsWith('capture.'));

describe('live capture during a run (dumpcap on loopback)', function () {
  this.timeout(120_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-capture-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe('with the capture tool available', () => {
    let run: DeviceRun;
    let evidence: Evidence;
    before(async () => {
      run = await shortRun(work);
      evidence = loadEvidence(join(run.runDir, 'events.ndjson'));
    });

    // The addresses the session used (moved when another session held 127.0.64.0/24).
    const device = () => run.loaded.profile.dut.addresses[0]!;
    const canary = () => run.loaded.profile.canaries[0]!;

    it('records the capture starting before the first phase and stopping after the last', () => {
      const kinds = evidence.events.map((e) => e.type);
      const start = kinds.indexOf('capture.start');
      expect(start, kinds.join(' ')).to.be.greaterThan(-1);
      expect(start).to.be.lessThan(kinds.indexOf('phase.start'));
      expect(kinds.indexOf('capture.stop')).to.be.greaterThan(kinds.indexOf('dut.exit'));
      const [started, stopped] = captureEvents(evidence);
      expect(started).to.include({
        interface: 'lo',
        file: 'capture.pcapng',
      });
      // The DUT and its canary, then (the profile has loopback DHCP) the DHCP packets of its MAC.
      expect(started!.filter).to.match(
        new RegExp(
          `^host ${device()} or host ${canary()} or \\(\\(udp port 67 or udp port 68\\) and udp\\[36:4\\] = 0x`,
        ),
      );
      expect(stopped!.reason, 'a clean stop').to.equal(null);
      expect(stopped!.packets).to.be.a('number').and.greaterThan(0);
    });

    it('writes a pcapng our reader parses, holding every DNS query the resolver logged', async () => {
      const file = join(run.runDir, 'capture.pcapng');
      expect(readFileSync(file).readUInt32LE(0), 'pcapng section header').to.equal(0x0a0d0d0a);
      const seen = new Set<string>();
      // Every frame read, not only the UDP and TCP packets yielded: an ICMP error (a reply that
      // reached a port the device had closed) is captured too.
      const counters = newPacketCounters();
      for await (const packet of readPackets(file, { counters })) {
        expect([packet.src, packet.dst]).to.satisfy(
          (ends: string[]) => ends.includes(device()) || ends.includes(canary()),
        );
        if (packet.transport === 'udp' && packet.src === device() && packet.payload.length >= 2) {
          seen.add(`${packet.srcPort}/${packet.payload.readUInt16BE(0)}`);
        }
      }
      const queries = evidence.queries('sim-good').filter((q) => q.transport === 'udp');
      expect(queries.length, 'the device queried').to.be.greaterThan(5);
      const missing = queries.filter((q) => !seen.has(`${q.client.port}/${q.txid}`));
      expect(
        missing.map((q) => q.seq),
        'queries absent from the capture',
      ).to.deep.equal([]);
      const stopped = captureEvents(evidence).find((e) => e.type === 'capture.stop')!;
      expect(counters.frames, `frames read (${JSON.stringify(counters)})`).to.equal(stopped.packets);
    });

    it('lists the capture in the manifest with its SHA-256, and the run verifies', () => {
      const manifest = parseManifest(readFileSync(join(run.runDir, 'manifest.json'), 'utf8'), 'manifest.json');
      const entry = manifest.files.find((f) => f.file === 'capture.pcapng');
      expect(entry).to.deep.include(hashFile(join(run.runDir, 'capture.pcapng')));
      const outcome = verifyRun(run.runDir);
      expect(outcome.ok, JSON.stringify(outcome, null, 1)).to.equal(true);
    });
  });

  describe('interrupted by Ctrl-C at the terminal (SIGINT to the whole process group)', () => {
    it('stops the capture cleanly after the evidence is in, and the run verifies', async () => {
      const profileFile = join(work, 'sim-good-64.yaml');
      writeFileSync(profileFile, profileOn64().text);
      const out = join(work, 'interrupted');
      // Its own process group, as a shell gives a foreground job: the terminal's SIGINT reaches every member.
      const cli = spawn(
        process.execPath,
        [
          join(ROOT, 'bin', 'dnsconform.js'),
          'run',
          '--profile',
          profileFile,
          '--window',
          '60',
          '--out',
          out,
          '--keys',
          join(work, 'keys'),
          '--no-documents',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      );
      let output = '';
      cli.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      cli.stderr.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (output.includes('observing for')) {
            clearInterval(poll);
            resolve();
          }
        }, 50);
        void exited.then(() => {
          clearInterval(poll);
          reject(new Error(`run ended early:\n${output}`));
        });
      });
      const block = /simulated devices moved to (127\.\d+\.\d+\.)0\/24/.exec(output)?.[1] ?? '127.0.64.';
      expect(output).to.include(`capturing on lo (host ${block}2 or host ${block}77 or ((udp port 67`);
      await new Promise((r) => setTimeout(r, 2000));
      process.kill(-cli.pid!, 'SIGINT');
      expect(await exited, output).to.be.a('number');
      const dir = join(out, readdirSync(out)[0]!);
      const evidence = loadEvidence(join(dir, 'events.ndjson'));
      const stopped = captureEvents(evidence).find((e) => e.type === 'capture.stop');
      expect(stopped, output).to.include({ reason: null });
      expect(evidence.events.at(-1)).to.include({ type: 'run.end', reason: 'interrupted' });
      let packets = 0;
      for await (const _ of readPackets(join(dir, 'capture.pcapng'))) packets += 1;
      expect(packets).to.equal(stopped!.packets).and.be.greaterThan(0);
      const verify = spawnSync(process.execPath, [join(ROOT, 'bin', 'dnsconform.js'), 'verify', dir], {
        encoding: 'utf8',
      });
      expect(verify.status, `${verify.stdout}${verify.stderr}`).to.equal(0);
      expect(verify.stdout).to.contain('capture.pcapng');
    });
  });

  describe('with the capture tool missing', () => {
    let run: DeviceRun;
    before(async () => {
      run = await shortRun(work, join(work, 'no-such-dumpcap'));
    });

    it('completes the run without a capture and records why', () => {
      expect(existsSync(join(run.runDir, 'capture.pcapng'))).to.equal(false);
      const events = captureEvents(loadEvidence(join(run.runDir, 'events.ndjson')));
      expect(events.map((e) => e.type)).to.deep.equal(['capture.unavailable']);
      expect(events[0]!.reason).to.match(/no-such-dumpcap not found/);
      expect(verifyRun(run.runDir).ok).to.equal(true);
    });
  });
});
