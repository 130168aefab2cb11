/**
 * Clean refusals (issue 14 item 6), command by command: every bad path, flag and file exits
 * 2 with one line naming the problem and where (path, option, pointer), no stack trace, and
 * writes nothing where it was asked to write. Run in-process through `main`, as the program
 * runs; the commands that start nothing (no resolver, no Chromium) before refusing.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedSampleRun } from '../report/fixtures/finished-run.ts';
import { main } from './main.ts';

/** Runs the CLI in-process with stdout and stderr captured; resets the exit code it sets. */
async function quietly(args: string[]): Promise<{ code: number; errors: string }> {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write.bind(s));
  const saved = [console.error, console.log] as const;
  let errors = '';
  console.error = (...parts: unknown[]) => {
    errors += `${parts.join(' ')}\n`;
  };
  console.log = () => undefined;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    errors += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return { code: await main(['node', 'dnsconform', ...args]), errors };
  } finally {
    process.stdout.write = originals[0]!;
    process.stderr.write = originals[1]!;
    [console.error, console.log] = saved;
    process.exitCode = undefined;
  }
}

describe('cli: bad input is refused cleanly by every command (exit 2, one line, no stack trace)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-bad-input-'));
  const missing = join(dir, 'no-such-thing');
  const aFile = join(dir, 'a-file.txt');
  const notRun = join(dir, 'not-a-run');
  const keys = join(dir, 'keys');
  const profile = join(import.meta.dirname, '..', '..', 'profiles', 'sim-good.yaml');
  let run: string;
  before(async () => {
    writeFileSync(aFile, 'not what any command reads\n');
    mkdirSync(notRun);
    writeFileSync(join(dir, 'bad.yaml'), 'dut: [unclosed\n');
    // A resolver address this host does not have (TEST-NET-3): the bind fails, nothing is sent.
    writeFileSync(
      join(dir, 'elsewhere.yaml'),
      readFileSync(profile, 'utf8')
        .replace(/address: 127\.0\.10\.1\b/g, 'address: 203.0.113.7')
        // Without its loopback DHCP, whose server needs a harness resolver inside the device's /24.
        .replace(/^network:\n {2}dhcp: \{[^\n]*\n/m, ''),
    );
    writeFileSync(join(dir, 'wrong.yaml'), 'profileVersion: 1\ndut: { id: 7 }\n');
    writeFileSync(join(dir, 'resolvers.txt'), 'not-an-address operator\n');
    writeFileSync(join(dir, 'one.pcap'), Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));
    mkdirSync(join(dir, 'x-failed-to-start'));
    mkdirSync(join(dir, 'unsealed'));
    writeFileSync(join(dir, 'unsealed', 'events.ndjson'), '');
    writeFileSync(join(dir, 'unsealed', 'profile.yaml'), '');
    ({ runDir: run } = await finishedSampleRun());
    await quietly(['keys', 'init', '--dir', keys]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Each row: the arguments, and what the one line must name. */
  const rows: [string, () => string[], RegExp][] = [
    ['run: a profile that does not exist', () => ['run', '--profile', missing], /no-such-thing/],
    ['run: a directory as the profile', () => ['run', '--profile', dir], /dnsconform-bad-input-/],
    ['run: a profile that is not YAML', () => ['run', '--profile', join(dir, 'bad.yaml')], /bad\.yaml/],
    [
      'run: a profile against its schema',
      () => ['run', '--profile', join(dir, 'wrong.yaml')],
      /wrong\.yaml: invalid profile at \/ \(line 1\): missing required property/,
    ],
    ['run: --window that is not a number', () => ['run', '--profile', profile, '--window', 'soon'], /--window/],
    ['run: --window below zero', () => ['run', '--profile', profile, '--window', '-3'], /--window/],
    ['run: a plan that does not exist', () => ['run', '--profile', profile, '--plan', missing], /no-such-thing/],
    [
      'run: a check that does not exist',
      () => ['run', '--profile', profile, '--checks', 'no/such-check'],
      /no\/such-check/,
    ],
    ['run: --experiments without --plan', () => ['run', '--profile', profile, '--experiments', 'all'], /--experiments/],
    [
      'run: a replay run that does not exist',
      () => ['run', '--profile', profile, '--replay-zone', missing],
      /no-such-thing/,
    ],
    [
      'run: a resolver address not on this host, before any run directory exists',
      () => [
        'run',
        '--profile',
        join(dir, 'elsewhere.yaml'),
        '--out',
        join(dir, 'runs'),
        '--keys',
        keys,
        '--window',
        '1',
      ],
      /elsewhere\.yaml: \/resolver\/listen\/0: cannot listen on 203\.0\.113\.7/,
    ],
    ['run: an unknown option', () => ['run', '--profile', profile, '--bogus'], /--bogus/],
    ['analyze: a capture that does not exist', () => ['analyze', missing, '--device', '127.0.0.9'], /no-such-thing/],
    ['analyze: a directory as the capture', () => ['analyze', dir, '--device', '127.0.0.9'], /not a capture file/],
    ['analyze: a --device that is neither MAC nor IP', () => ['analyze', aFile, '--device', 'kettle'], /--device/],
    [
      'analyze: a --resolver that is not an address',
      () => ['analyze', aFile, '--device', '127.0.0.9', '--resolver', 'dns'],
      /--resolver/,
    ],
    [
      'analyze: a public resolver list that does not exist',
      () => ['analyze', aFile, '--device', '127.0.0.9', '--public-resolvers', missing],
      /no-such-thing/,
    ],
    [
      'analyze: a public resolver list with a bad line',
      () => ['analyze', aFile, '--device', '127.0.0.9', '--public-resolvers', join(dir, 'resolvers.txt')],
      /resolvers\.txt: line 1/,
    ],
    [
      'analyze: a check that does not exist',
      () => ['analyze', join(dir, 'one.pcap'), '--device', '127.0.0.9', '--keys', keys, '--checks', 'no/such-check'],
      /no\/such-check/,
    ],
    ['finalise: a directory that does not exist', () => ['finalise', missing, '--keys', keys], /no-such-thing/],
    ['finalise: a file', () => ['finalise', aFile, '--keys', keys], /a-file\.txt: not a run directory/],
    [
      'finalise: a directory that is not a run',
      () => ['finalise', notRun, '--keys', keys],
      /events\.ndjson is missing/,
    ],
    ['finalise: a finalised run', () => ['finalise', run, '--keys', keys], /already finalised/],
    [
      'finalise: a run that failed to start',
      () => ['finalise', join(dir, 'x-failed-to-start'), '--keys', keys],
      /failed before observation began/,
    ],
    ['finalise: keys that cannot sign', () => ['finalise', join(dir, 'unsealed'), '--keys', missing], /no-such-thing/],
    ['verify: a path that does not exist', () => ['verify', missing], /no-such-thing/],
    ['verify: a text file as the bundle', () => ['verify', aFile], /a-file\.txt/],
    ['verify: a directory that is not a finalised run', () => ['verify', notRun], /not a finalised run/],
    ['verify: a trusted key that does not exist', () => ['verify', run, '--key', missing], /no-such-thing/],
    ['bundle: a directory that does not exist', () => ['bundle', missing], /no-such-thing/],
    ['bundle: a directory that is not a finalised run', () => ['bundle', notRun], /not a finalised run/],
    [
      'bundle: --out under a file',
      () => ['bundle', run, '--out', join(aFile, 'x.tar.gz')],
      /--out .*a-file\.txt\/x\.tar\.gz: a part of the path is not a directory/,
    ],
    ['report: a directory that does not exist', () => ['report', missing], /no-such-thing/],
    ['report: a directory that is not a finished run', () => ['report', notRun], /not a finished run/],
    ['report: --out under a file', () => ['report', run, '--keys', keys, '--out', join(aFile, 'x')], /a-file\.txt/],
    ['junit: a directory that does not exist', () => ['junit', missing], /no-such-thing/],
    ['junit: a directory that is not a finalised run', () => ['junit', notRun], /not a finalised run/],
    ['junit: --out under a file', () => ['junit', run, '--out', join(aFile, 'x.xml')], /a-file\.txt/],
    ['diff: a run that does not exist', () => ['diff', missing, run], /no-such-thing/],
    ['diff: a directory that is not a finalised run', () => ['diff', run, notRun], /not-a-run/],
    ['allowlist: a run that does not exist', () => ['allowlist', missing], /no-such-thing/],
    ['allowlist: a directory that is not a finalised run', () => ['allowlist', notRun], /not-a-run/],
    [
      'allowlist: --out under a file',
      () => ['allowlist', run, '--mud-url', 'https://mud.example/cam.json', '--out', join(aFile, 'x')],
      /--out .*a-file\.txt\/x: a part of the path is not a directory/,
    ],
  ];

  for (const [name, args, names] of rows) {
    it(name, async () => {
      const before = readdirSync(dir).sort();
      const argv = args();
      const { code, errors } = await quietly(argv);
      expect(code, `${argv.join(' ')}\n${errors}`).to.equal(2);
      // One line names the problem and where; an input file with several problems lists the others
      // after it, one a line, each with its JSON pointer (lib/input): never a stack trace.
      const [first, ...more] = errors.trim().split('\n');
      expect(first, errors).to.match(names);
      for (const line of more) expect(line, errors).to.match(/^ {2}\/\S* \(line \d+\): /);
      expect(errors, 'no stack trace').to.not.match(/^\s+at |harness error/m);
      // Nothing new where the command was pointed (a refusal writes no run, bundle or report).
      expect(
        readdirSync(dir)
          .sort()
          .filter((f) => !before.includes(f) && f !== 'no-such-thing'),
      ).to.deep.equal([]);
      expect(existsSync(missing), `${missing} not created`).to.equal(false);
    });
  }
});
