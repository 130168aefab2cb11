import { expect } from 'chai';
import { main } from './main.ts';

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
