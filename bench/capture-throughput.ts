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
 * for its peak resident memory. Ours runs twice: the reading stages alone, and the whole
 * of `analyze`'s reading step (evidence events kept for every DNS message). The outputs are compared line by line: a speed figure
 * for a wrong answer would be worthless.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pcapFileHeader, pcapRecord } from '../lib/capture/capture-writer.ts';
import { evidenceFromCaptures } from '../lib/capture/capture-evidence.ts';
import type { CapturedQueryEvent } from '../lib/capture/capture-evidence.ts';
import { DnsExtractor } from '../lib/capture/dns-extract.ts';
import { readFrames } from '../lib/capture/file-formats.ts';
import { LINKTYPE } from '../lib/capture/link-layers.ts';
import { newPacketCounters, readPacketBatches } from '../lib/capture/packets.ts';
import { decodeMessage } from '../lib/dns/codec.ts';

/** The shared third-party captures: `$DNSCONFORM_CAPTURES`, else beside the checkout, else the workplace's copy. */
const SHARED_CAPTURES = [
  process.env.DNSCONFORM_CAPTURES,
  resolve(import.meta.dirname, '..', '..', 'shared', 'captures'),
  '/work/shared/captures',
].find((dir): dir is string => dir !== undefined && existsSync(dir)) ?? '/work/shared/captures';
/** The device with the most DNS queries in the shared captures (IoT Sentinel HueBridge). */
const DEFAULT_MAC = '00:17:88:24:76:ff';
const DEFAULT_MIN_BYTES = 2 ** 30;
const CACHE_DIR = join(tmpdir(), 'dnsconform-bench');

/** One frame kept for replication. */
interface Frame { timestamp: number; data: Buffer; originalLength: number }

/** Every Ethernet frame of every capture under `dir`, file by file (sorted paths). */
async function sharedFrames(dir: string): Promise<Frame[]> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${dir}: no .pcap or .pcapng files to build the benchmark capture from`);
  const frames: Frame[] = [];
  for (const file of files) {
    for await (const frame of readFrames(join(dir, file))) {
      // `data` is a view into the reader's window: copy what is kept.
      if (frame.linkType === LINKTYPE.ETHERNET) frames.push({ timestamp: frame.timestamp, data: Buffer.from(frame.data), originalLength: frame.originalLength });
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
      const record = pcapRecord(options, { timestamp: frame.timestamp + round * shift, data: frame.data, originalLength: frame.originalLength });
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
 * Our side, run in the child: the stages `analyze` runs (read, decode the layers, pick the
 * device's DNS with {@link DnsExtractor}, decode the message), printing one line per query
 * in tshark's field format.
 */
async function ourExtraction(file: string, mac: string): Promise<void> {
  const extractor = new DnsExtractor({ mac });
  const counters = newPacketCounters();
  const lines: string[] = [];
  const emit = () => {
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    lines.length = 0;
  };
  for await (const packets of readPacketBatches(file, { counters })) {
    for (const packet of packets) {
      for (const message of extractor.push(packet)) {
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

/**
 * The whole of `analyze`'s reading step, {@link evidenceFromCaptures}: the same stages,
 * plus one evidence event kept per DNS message of the device (queries and responses) for
 * the metrics and checks. Its memory grows with the device's DNS traffic, not the file.
 */
async function evidenceExtraction(file: string, mac: string): Promise<void> {
  const { evidence, counters } = await evidenceFromCaptures([file], { id: 'bench', mac });
  const lines: string[] = [];
  // Evidence is in time order; tshark prints in frame order (the replicated rounds interleave files of different times).
  const queries = (evidence.queries('bench') as CapturedQueryEvent[]).filter((q) => q.transport === 'udp').sort((a, b) => a.capture.frame - b.capture.frame);
  for (const query of queries) {
    lines.push(`${query.client.port}\t${hexId(query.txid)}\t${query.questions.map((q) => q.name).join(',')}`);
    if (lines.length >= 4096) {
      process.stdout.write(`${lines.join('\n')}\n`);
      lines.length = 0;
    }
  }
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  process.stderr.write(`frames ${counters.frames}\n`);
}

/** A child's outcome: its stdout digested line by line, its peak memory and time. */
interface Measured {
  lines: number;
  sha256: string;
  seconds: number;
  maxRssKiB: number;
  stderr: string;
}

/** Runs `command` under `/usr/bin/time -v`, digesting stdout as it streams (nothing is kept). */
function measure(command: string[]): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
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
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (code !== 0 || !rss) return reject(new Error(`${command.join(' ')} failed (exit ${code}):\n${stderr.slice(-2000)}`));
      resolvePromise({ lines, sha256: hash.digest('hex'), seconds, maxRssKiB: Number(rss[1]), stderr });
    });
  });
}

/** Reads the file once so both sides start from a warm page cache. */
async function warmCache(file: string): Promise<void> {
  for await (const _ of createReadStream(file, { highWaterMark: 8 << 20 })) { /* read only */ }
}

function row(name: string, m: Measured, bytes: number, frames: number): string {
  const mb = bytes / 1e6;
  return `${name.padEnd(8)} ${m.seconds.toFixed(1).padStart(8)} s ${(frames / m.seconds / 1e3).toFixed(0).padStart(9)} k packets/s ${(mb / m.seconds).toFixed(1).padStart(8)} MB/s ${(m.maxRssKiB / 1024).toFixed(0).padStart(7)} MB peak RSS ${String(m.lines).padStart(9)} queries`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { mac: { type: 'string', default: DEFAULT_MAC }, 'min-bytes': { type: 'string' }, child: { type: 'string' } },
  });
  if (values.child === 'stages') return ourExtraction(positionals[0]!, values.mac!);
  if (values.child === 'evidence') return evidenceExtraction(positionals[0]!, values.mac!);
  const minBytes = values['min-bytes'] === undefined ? DEFAULT_MIN_BYTES : Number(values['min-bytes']);
  if (!Number.isSafeInteger(minBytes) || minBytes <= 0) throw new Error(`--min-bytes: "${values['min-bytes']}" is not a positive whole number of bytes`);
  const file = positionals[0] ? resolve(positionals[0]) : await benchCapture(minBytes);
  const bytes = statSync(file).size;
  await warmCache(file);
  const mac = values.mac!;
  console.log(`capture ${file} (${(bytes / 1e6).toFixed(0)} MB), device ${mac}`);

  const child = (mode: string) => measure([process.execPath, '--import', 'tsx', import.meta.filename, '--child', mode, '--mac', mac, file]);
  const ours = await child('stages');
  const evidence = await child('evidence');
  const frames = Number(/frames (\d+)/.exec(ours.stderr)?.[1]);
  const filter = `eth.src == ${mac} && udp.dstport == 53 && dns.flags.response == 0`;
  const tshark = await measure(['tshark', '-n', '-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'udp.srcport', '-e', 'dns.id', '-e', 'dns.qry.name']);

  console.log(row('ours', ours, bytes, frames));
  console.log(row('evidence', evidence, bytes, frames));
  console.log(row('tshark', tshark, bytes, frames));
  console.log(`throughput ${(tshark.seconds / ours.seconds).toFixed(1)}x tshark's (target >= 10x); peak memory ${(ours.maxRssKiB / 1024).toFixed(0)} MB (target < 300 MB), ${(tshark.maxRssKiB / ours.maxRssKiB).toFixed(1)}x less than tshark`);
  console.log(`with evidenceFromCaptures (every DNS message of the device kept as an event): ${(tshark.seconds / evidence.seconds).toFixed(1)}x tshark's throughput, peak memory ${(evidence.maxRssKiB / 1024).toFixed(0)} MB`);
  const same = ours.sha256 === tshark.sha256 && evidence.sha256 === tshark.sha256;
  console.log(same ? `outputs identical (${ours.lines} queries, sha256 ${ours.sha256.slice(0, 16)}...)` : `OUTPUTS DIFFER: ours ${ours.lines} lines ${ours.sha256}, evidence ${evidence.lines} lines ${evidence.sha256}, tshark ${tshark.lines} lines ${tshark.sha256}`);
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(join(CACHE_DIR, 'last-result.json'), `${JSON.stringify({ file, bytes, frames, ours, evidence, tshark }, null, 1)}\n`);
  if (!same) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
