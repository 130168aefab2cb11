import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessFault, main, program } from './main.ts';

/** Runs the CLI in-process with console.error captured. */
async function quietly(args: string[]): Promise<{ code: number; errors: string }> {
  const original = process.stderr.write.bind(process.stderr);
  const saved = console.error;
  let errors = '';
  console.error = (...parts: unknown[]) => {
    errors += `${parts.join(' ')}\n`;
  };
  process.stderr.write = ((chunk: string | Uint8Array) => {
    errors += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(['node', 'dnsconform', ...args]), errors };
  } finally {
    process.stderr.write = original;
    console.error = saved;
  }
}

describe('cli/main: usage errors exit 2 at every level', () => {
  it('a subcommand without a required option', async () => {
    const { code, errors } = await quietly(['run']);
    expect(code).to.equal(2);
    expect(errors).to.include("required option '--profile <file>' not specified");
  });

  it('an unknown option of a nested subcommand, and an unknown command', async () => {
    expect((await quietly(['keys', 'init', '--bogus'])).code).to.equal(2);
    expect((await quietly(['bogus'])).code).to.equal(2);
  });
});

describe('cli/main: the root help without loading the commands', () => {
  it('prints the same command list from the summaries as from the loaded commands', async () => {
    const fromSummaries = (await program(['node', 'dnsconform', '--help'])).helpInformation();
    const fromCommands = (await program(['node', 'dnsconform', '--help'], true)).helpInformation();
    expect(fromSummaries).to.include('analyze [options] <capture...>');
    expect(fromSummaries).to.equal(fromCommands);
  });

  it('a harness fault is one line for the terminal, its stack trace in a file it names', () => {
    const fault = new Error('simulated device x exited before it was ready (code 1, signal null):\nits stderr');
    const line = harnessFault(fault);
    expect(line).not.to.include('\n');
    const file = /\(stack trace in (.*dnsconform-harness-error-\d+\.log)\)$/.exec(line)?.[1];
    expect(file, line).to.be.a('string');
    expect(readFileSync(file!, 'utf8')).to.include(fault.stack);
    rmSync(file!);
  });
});

describe('cli/main: bad paths and unreadable captures are refused cleanly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-refusals-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const profile = join(import.meta.dirname, '..', '..', 'profiles', 'sim-good.yaml');
  const oneLine = (errors: string) => {
    expect(errors.trim().split('\n'), errors).to.have.length(1);
    expect(errors).to.not.match(/^\s+at /m, 'no stack trace');
  };

  it('--out and --keys under a file exit 2 on run and analyze, naming the path', async () => {
    writeFileSync(join(dir, 'one.pcap'), Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));
    const keys = join(dir, 'keys');
    await quietly(['keys', 'init', '--dir', keys]);
    for (const args of [
      ['run', '--profile', profile, '--out', '/dev/null/x', '--keys', keys, '--window', '1'],
      ['run', '--profile', profile, '--out', join(dir, 'out'), '--keys', '/dev/null/k', '--window', '1'],
      ['analyze', join(dir, 'one.pcap'), '--device', '127.0.0.9', '--out', '/dev/null/x', '--keys', keys],
      ['analyze', join(dir, 'one.pcap'), '--device', '127.0.0.9', '--out', join(dir, 'out'), '--keys', '/dev/null/k'],
    ]) {
      const { code, errors } = await quietly(args);
      expect(code, args.join(' ')).to.equal(2);
      oneLine(errors);
      expect(errors).to.match(/\/dev\/null\/[xk]: a part of the path is not a directory \(ENOTDIR\)/);
    }
  });

  it('a capture that cannot be read at all exits 2 with its byte offset and writes no report', async () => {
    const keys = join(dir, 'keys');
    const captures = {
      empty: '',
      text: 'hello world\n',
      magic: 'a0b2c3d4020004000000000000000000ffff000001000000',
      truncated: 'd4c3b2a10200',
    };
    for (const [name, content] of Object.entries(captures)) {
      const file = join(dir, `${name}.pcap`);
      writeFileSync(file, name === 'text' ? content : Buffer.from(content, 'hex'));
      const out = join(dir, `out-${name}`);
      const { code, errors } = await quietly(['analyze', file, '--device', '127.0.0.9', '--out', out, '--keys', keys]);
      expect(code, name).to.equal(2);
      oneLine(errors);
      expect(errors).to.include(`no report written: ${file}: byte offset 0: `);
      expect(existsSync(out), `${out} not created`).to.equal(false);
    }
  });
});
