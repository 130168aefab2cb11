/**
 * Capture-analysis benchmark: our reader against tshark on the same large capture.
 *
 *   npx tsx bench/capture-throughput.ts [FILE] [--mac MAC] [--min-bytes N]
 *
 * Without FILE it builds one (at least 1 GiB by default) by replicating every Ethernet frame
 * of ../shared/captures/ into a single pcap under the system temp directory, each round
 * shifted later in time, and reuses it on later runs. Both sides then extract the same
 * fields (source port, transaction ID, query names) of one device's DNS queries (UDP to
 * port 53, QR=0, by source MAC), each in a child process timed with `/usr/bin/time -v`
 * for its peak resident memory. Ours runs four times: the reading stages alone; the whole
 * of `analyze`'s reading step (every DNS message of the device turned into an evidence
 * event, written to an events file and indexed in the event store); and the whole
 * `dnsconform analyze` command (reading, judging, metrics, signed report), with its
 * documents (HTML, and the PDF Chromium prints) and without (`--no-documents`), whose events
 * file is read back afterwards. The outputs are compared line by line: a speed figure for a
 * wrong answer would be worthless.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { interleaveEncryptedContacts } from '../lib/analysis/encrypted-contact-events.ts';
import { pcapFileHeader, pcapRecord } from '../lib/capture/capture-writer.ts';
import { readCaptures } from '../lib/capture/capture-evidence.ts';
import type { CapturedQueryEvent } from '../lib/capture/capture-evidence.ts';
import { DnsExtractor } from '../lib/capture/dns-extract.ts';
import { readFrameBlocks, readFrames } from '../lib/capture/file-formats.ts';
import { LINKTYPE } from '../lib/capture/link-layers.ts';
import { FrameLayers, newPacketCounters } from '../lib/capture/packets.ts';
import { decodeMessage } from '../lib/dns/codec.ts';
import { StoredEventLog, StoredEvidence } from '../lib/evidence/stored-evidence.ts';
import { SHARED_CAPTURES } from '../lib/capture/shared-captures.ts';

/** The device with the most DNS queries in the shared captures (IoT Sentinel HueBridge). */
const DEFAULT_MAC = '00:17:88:24:76:ff';
const DEFAULT_MIN_BYTES = 2 ** 30;
const CACHE_DIR = join(tmpdir(), 'dnsconform-bench');

/** One frame kept for replication. */
interface Frame {
  timestamp: number;
  data: Buffer;
  originalLength: number;
}

/** Every Ethernet frame of every capture under `dir`, file by file (sorted paths). */
async function sharedFrames(dir: string): Promise<Frame[]> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir}: no .pcap or .pcapng files to build the benchmark capture from`);
  const frames: Frame[] = [];
  for (const file of files) {
    for await (const frame of readFrames(join(dir, file))) {
      // `data` is a view into the reader's window: copy what is kept.
      if (frame.linkType === LINKTYPE.ETHERNET)
        frames.push({
          timestamp: frame.timestamp,
          data: Buffer.from(frame.data),
          originalLength: frame.originalLength,
        });
    }
  }
  return frames;
}

/**
 * Builds (or reuses) the replicated capture: rounds of all shared frames until `minBytes`,
 * each round shifted by the whole span plus a second, so time only moves forward between
 * rounds. Written to a temporary name and renamed, so an interrupted build is never reused.
 */
async function benchCapture(minBytes: number): Promise<string> {
  const file = join(CACHE_DIR, `shared-captures-x${minBytes}.pcap`);
  if (existsSync(file)) return file;
  mkdirSync(CACHE_DIR, { recursive: true });
  const frames = await sharedFrames(SHARED_CAPTURES);
  const first = Math.min(...frames.map((f) => f.timestamp));
  const last = Math.max(...frames.map((f) => f.timestamp));
  const shift = last - first + 1e6;
  const options = { linkType: LINKTYPE.ETHERNET };
  const partial = `${file}.partial`;
  const out = await open(partial, 'w');
  let written = 0;
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    await out.write(Buffer.concat(pending));
    written += pendingBytes;
    pending.length = 0;
    pendingBytes = 0;
  };
  pending.push(pcapFileHeader(options));
  pendingBytes += 24;
  for (let round = 0; written + pendingBytes < minBytes; round += 1) {
    for (const frame of frames) {
      const record = pcapRecord(options, {
        timestamp: frame.timestamp + round * shift,
        data: frame.data,
        originalLength: frame.originalLength,
      });
      pending.push(record);
      pendingBytes += record.length;
      if (pendingBytes >= 8 << 20) await flush();
    }
  }
  await flush();
  await out.close();
  renameSync(partial, file);
  process.stderr.write(`built ${file}: ${written} bytes from ${frames.length} frames of ${SHARED_CAPTURES}\n`);
  return file;
}

/** tshark's rendering of a TXID (`dns.id`). */
const hexId = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;

/**
 * Our side, run in the child: the stages `analyze` runs (read the frames, their headers in
 * place, pick the device's DNS with {@link DnsExtractor}, decode the message), printing one
 * line per query in tshark's field format.
 */
async function ourExtraction(file: string, mac: string): Promise<void> {
  const extractor = new DnsExtractor({ mac });
  const counters = newPacketCounters();
  const layers = new FrameLayers();
  const lines: string[] = [];
  const emit = () => {
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    lines.length = 0;
  };
  // As readCaptures reads: every frame's headers in place, a packet made only of the frames the extractor may take.
  for await (const block of readFrameBlocks(file, { recycleWindows: true })) {
    for (let i = 0; i < block.count; i += 1) {
      if (!layers.read(block, i, counters)) continue;
      if (!extractor.concerns(block.buffer, layers.link, layers.ip, layers.transport)) continue;
      for (const message of extractor.push(layers.packet(file, block, i))) {
        if (!message.fromDevice || message.transport !== 'udp') continue;
        const decoded = decodeMessage(message.bytes);
        if (!decoded.ok || decoded.message.flag_qr) continue;
        const names = (decoded.message.questions ?? []).map((q) => q.name).join(',');
        lines.push(`${message.client.port}\t${hexId(decoded.message.id ?? 0)}\t${names}`);
      }
    }
    emit();
  }
  emit();
  process.stderr.write(`frames ${counters.frames}\n`);
}

/** A UDP query in tshark's field format. */
function queryLine(query: CapturedQueryEvent): string {
  return `${query.client.port}\t${hexId(query.txid)}\t${query.questions.map((q) => q.name).join(',')}`;
}

/**
 * The whole of `analyze`'s reading step: the same stages, the messages put in time order
 * (an external sort), one evidence event per DNS message of the device (queries and
 * responses) written to an events file and indexed in the event store, as `analyze` does
 * before judging. The queries are then printed from the store, in frame order as tshark
 * prints them (the replicated rounds interleave files of different times).
 */
async function evidenceExtraction(file: string, mac: string): Promise<void> {
  const dut = 'bench';
  const read = await readCaptures([file], { id: dut, mac });
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-bench-evidence-'));
  try {
    const log = new StoredEventLog(join(dir, 'events.ndjson'), { spillDir: dir });
    for (const event of interleaveEncryptedContacts(read.events(), read.observations.secureDns, dut)) log.append(event);
    const evidence = new StoredEvidence(log.finish());
    const queries = (evidence.queries(dut) as CapturedQueryEvent[]).filter((q) => q.transport === 'udp');
    const frames = Float64Array.from(queries, (q) => q.capture.frame);
    const order = Uint32Array.from(queries.keys()).sort((a, b) => frames[a]! - frames[b]!);
    const lines: string[] = [];
    for (const index of order) {
      lines.push(queryLine(queries[index]!));
      if (lines.length >= 4096) {
        process.stdout.write(`${lines.join('\n')}\n`);
        lines.length = 0;
      }
    }
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    evidence.dispose();
    process.stderr.write(`frames ${read.counters.frames}\n`);
  } finally {
    read.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The UDP queries of an `analyze` run's events file in tshark's format and frame order, digested as a child's stdout is. */
async function analyzedQueries(eventsFile: string): Promise<{ lines: number; sha256: string }> {
  const queries: { frame: number; line: string }[] = [];
  for await (const text of createInterface({ input: createReadStream(eventsFile), crlfDelay: Infinity })) {
    if (!text.includes('"type":"dns.query"')) continue;
    const query = JSON.parse(text) as CapturedQueryEvent;
    if (query.transport === 'udp') queries.push({ frame: query.capture.frame, line: queryLine(query) });
  }
  queries.sort((a, b) => a.frame - b.frame);
  const hash = createHash('sha256');
  for (const query of queries) hash.update(`${query.line}\n`);
  return { lines: queries.length, sha256: hash.digest('hex') };
}

/** A child's outcome: its stdout digested line by line, its peak memory and time. */
interface Measured {
  lines: number;
  sha256: string;
  seconds: number;
  /** The largest peak of the child and any process it waited for (Chromium, for analyze). */
  maxRssKiB: number;
  /** The node process's own peak, when it reported it (analyze): its threads, without the Chromium it started. */
  selfMaxRssKiB?: number;
  stderr: string;
  /** The load average (1 min) when it started and when it ended. */
  load?: [number, number];
}

/** Runs `command` under `/usr/bin/time -v`, digesting stdout as it streams (nothing is kept); an exit code not in `ok` fails. */
function measure(command: string[], ok: readonly number[] = [0]): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const loadBefore = loadavg()[0]!;
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (code === null || !ok.includes(code) || !rss)
        return reject(new Error(`${command.join(' ')} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      const self = /^node-max-rss-kib (\d+)$/m.exec(stderr);
      resolvePromise({
        lines,
        sha256: hash.digest('hex'),
        seconds,
        maxRssKiB: Number(rss[1]),
        ...(self ? { selfMaxRssKiB: Number(self[1]) } : {}),
        stderr,
        load: [loadBefore, loadavg()[0]!],
      });
    });
  });
}

/** Reads the file once so both sides start from a warm page cache. */
async function warmCache(file: string): Promise<void> {
  for await (const _ of createReadStream(file, { highWaterMark: 8 << 20 })) {
    /* read only */
  }
}

/** CPU seconds (user + system) `/usr/bin/time -v` reported: steadier than wall time on a shared machine. */
function cpuSeconds(m: Measured): number {
  const user = /User time \(seconds\): ([\d.]+)/.exec(m.stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(m.stderr);
  return Number(user?.[1] ?? NaN) + Number(system?.[1] ?? NaN);
}

function row(name: string, m: Measured, bytes: number, frames: number): string {
  const mb = bytes / 1e6;
  const self = m.selfMaxRssKiB === undefined ? '' : ` (node ${(m.selfMaxRssKiB / 1024).toFixed(0)} MB)`;
  const load = m.load === undefined ? '' : `  load ${m.load[0].toFixed(1)}-${m.load[1].toFixed(1)}`;
  return `${name.padEnd(11)} ${m.seconds.toFixed(1).padStart(8)} s ${cpuSeconds(m).toFixed(1).padStart(7)} s CPU ${(frames / m.seconds / 1e3).toFixed(0).padStart(9)} k packets/s ${(mb / m.seconds).toFixed(1).padStart(8)} MB/s ${(m.maxRssKiB / 1024).toFixed(0).padStart(7)} MB peak RSS${self} ${String(m.lines).padStart(9)} queries${load}`;
}

/**
 * Makes node report its own peak RSS on exit (all its threads, not the Chromium it waited
 * for, which `/usr/bin/time` reports when that is larger): a module given to `--import`.
 */
const REPORT_SELF_RSS = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('node-max-rss-kib ' + process.resourceUsage().maxRSS + '\\n'));",
)}`;

/**
 * The whole `dnsconform analyze` command on the file, as a user runs it (signing keys and
 * run directory in a temporary directory, removed after): its time and peak memory, and
 * the UDP queries of the events file it wrote, for the comparison with tshark. Exit code 1
 * (the device is not conformant) is a result like any other.
 */
async function analyzeCommand(file: string, mac: string, documents: boolean): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-bench-analyze-'));
  try {
    const bin = join(import.meta.dirname, '..', 'bin', 'dnsconform.js');
    const runs = join(dir, 'runs');
    const command = [
      'analyze',
      file,
      '--device',
      mac,
      '--json',
      '--timings',
      '--out',
      runs,
      '--keys',
      join(dir, 'keys'),
    ];
    const measured = await measure(
      [process.execPath, '--import', REPORT_SELF_RSS, bin, ...command, ...(documents ? [] : ['--no-documents'])],
      [0, 1],
    );
    const [runDir] = readdirSync(runs);
    return { ...measured, ...(await analyzedQueries(join(runs, runDir!, 'events.ndjson'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tshark's result on `file`, measured earlier (`--reuse-tshark`): it takes minutes and does not change with our code. */
function tsharkCacheFile(file: string, bytes: number): string {
  return join(
    CACHE_DIR,
    `tshark-${createHash('sha256').update(`${file}\u0000${bytes}`).digest('hex').slice(0, 16)}.json`,
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mac: { type: 'string', default: DEFAULT_MAC },
      'min-bytes': { type: 'string' },
      child: { type: 'string' },
      'reuse-tshark': { type: 'boolean', default: false },
    },
  });
  if (values.child === 'stages') return ourExtraction(positionals[0]!, values.mac!);
  if (values.child === 'evidence') return evidenceExtraction(positionals[0]!, values.mac!);
  const minBytes = values['min-bytes'] === undefined ? DEFAULT_MIN_BYTES : Number(values['min-bytes']);
  if (!Number.isSafeInteger(minBytes) || minBytes <= 0)
    throw new Error(`--min-bytes: "${values['min-bytes']}" is not a positive whole number of bytes`);
  const file = positionals[0] ? resolve(positionals[0]) : await benchCapture(minBytes);
  const bytes = statSync(file).size;
  await warmCache(file);
  const mac = values.mac!;
  console.log(`capture ${file} (${(bytes / 1e6).toFixed(0)} MB), device ${mac}`);

  const child = (mode: string) =>
    measure([process.execPath, '--import', 'tsx', import.meta.filename, '--child', mode, '--mac', mac, file]);
  const ours = await child('stages');
  const evidence = await child('evidence');
  const analyze = await analyzeCommand(file, mac, true);
  const bare = await analyzeCommand(file, mac, false);
  const frames = Number(/frames (\d+)/.exec(ours.stderr)?.[1]);
  const cached = tsharkCacheFile(file, bytes);
  let tshark: Measured;
  if (values['reuse-tshark'] && existsSync(cached)) {
    tshark = JSON.parse(readFileSync(cached, 'utf8')) as Measured;
    console.log(`tshark: reusing its result of ${statSync(cached).mtime.toISOString()} (${cached})`);
  } else {
    const filter = `eth.src == ${mac} && udp.dstport == 53 && dns.flags.response == 0`;
    tshark = await measure([
      'tshark',
      '-n',
      '-r',
      file,
      '-Y',
      filter,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      '-e',
      'udp.srcport',
      '-e',
      'dns.id',
      '-e',
      'dns.qry.name',
    ]);
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(cached, `${JSON.stringify(tshark, null, 1)}\n`);
  }

  console.log(row('ours', ours, bytes, frames));
  console.log(row('evidence', evidence, bytes, frames));
  console.log(row('analyze', analyze, bytes, frames));
  console.log(row('analyze-nd', bare, bytes, frames));
  console.log(row('tshark', tshark, bytes, frames));
  const mb = (m: Measured) => (m.maxRssKiB / 1024).toFixed(0);
  const selfMb = (m: Measured) => ((m.selfMaxRssKiB ?? m.maxRssKiB) / 1024).toFixed(0);
  // The issue's target for the whole command: 30 times tshark's throughput, the node process under 250 MB.
  const verdict = (m: Measured) => {
    const wall = tshark.seconds / m.seconds;
    const cpu = cpuSeconds(tshark) / cpuSeconds(m);
    const self = (m.selfMaxRssKiB ?? m.maxRssKiB) / 1024;
    return `${wall.toFixed(1)}x tshark by wall time (${wall >= 30 ? 'meets' : 'misses'} >= 30x), ${cpu.toFixed(1)}x by CPU time (${cpu >= 30 ? 'meets' : 'misses'} >= 30x); node's peak ${selfMb(m)} MB (${self < 250 ? 'meets' : 'misses'} < 250 MB), ${mb(m)} MB with the processes it waited for`;
  };
  console.log(
    `reading stages: throughput ${(tshark.seconds / ours.seconds).toFixed(1)}x tshark's (target >= 10x); peak memory ${mb(ours)} MB (target < 300 MB), ${(tshark.maxRssKiB / ours.maxRssKiB).toFixed(1)}x less than tshark`,
  );
  console.log(
    `analyze's reading step (events written and indexed): ${(tshark.seconds / evidence.seconds).toFixed(1)}x tshark's throughput, peak memory ${mb(evidence)} MB`,
  );
  // Where the command's time went, by its own --timings (the stage marks of lib/evidence/stage-marks.ts).
  const timings = (m: Measured) => /^dnsconform: timings: (.*)$/m.exec(m.stderr)?.[1] ?? '(not printed)';
  console.log(`analyze stages, each with its length and (when it ended, s since the start): ${timings(analyze)}`);
  console.log(`analyze-nd stages: ${timings(bare)}`);
  console.log(`whole dnsconform analyze, documents printed: ${verdict(analyze)}`);
  console.log(`whole dnsconform analyze --no-documents: ${verdict(bare)}`);
  const same = [ours, evidence, analyze, bare].every((m) => m.sha256 === tshark.sha256);
  console.log(
    same
      ? `outputs identical (${ours.lines} queries, sha256 ${ours.sha256.slice(0, 16)}...)`
      : `OUTPUTS DIFFER: ours ${ours.lines} lines ${ours.sha256}, evidence ${evidence.lines} lines ${evidence.sha256}, analyze ${analyze.lines} lines ${analyze.sha256}, analyze --no-documents ${bare.lines} lines ${bare.sha256}, tshark ${tshark.lines} lines ${tshark.sha256}`,
  );
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(
    join(CACHE_DIR, 'last-result.json'),
    `${JSON.stringify({ file, bytes, frames, ours, evidence, analyze, analyzeNoDocuments: bare, tshark }, null, 1)}\n`,
  );
  if (!same) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
