import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import { harnessFault, main, program } from './main.ts';

/** Runs the CLI in-process with console.error captured. */
async function quietly(args: string[]): Promise<{ code: number; errors: string }> {
  const original = process.stderr.write.bind(process.stderr);
  const saved = console.error;
  let errors = '';
  console.error = (...parts: unknown[]) => { errors += `${parts.join(' ')}\n`; };
  process.stderr.write = ((chunk: string | Uint8Array) => { errors += chunk.toString(); return true; }) as typeof process.stderr.write;
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
