import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFilesInBackground } from './background-hash.ts';
import { hashFile } from './manifest.ts';

describe('evidence/background-hash', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-background-hash-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the digests hashFile gives, in the order of the files', async () => {
    const files = [join(dir, 'a'), join(dir, 'b'), join(dir, 'empty')];
    writeFileSync(files[0]!, Buffer.alloc(3 << 20, 7));
    writeFileSync(files[1]!, 'short');
    writeFileSync(files[2]!, '');
    expect(await hashFilesInBackground(files).digests).to.deep.equal(files.map((f) => hashFile(f)));
  });

  it('rejects when a file cannot be read', async () => {
    const error = await hashFilesInBackground([join(dir, 'missing')]).digests.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/ENOENT/);
  });
});
