import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { BundleError, createBundle, openRunOrBundle, unpackBundle } from './bundle.ts';
import { finaliseAttested } from './fixtures/attested-run.ts';
import { removeTempDirs, sampleReportInput, sampleRunWithKeys, tempDir } from './fixtures/sample-run.ts';
import { verifyRun } from './verify-run.ts';

async function finalisedRun(): Promise<{ runDir: string; keyDir: string }> {
  const run = sampleRunWithKeys();
  await finaliseAttested(run.runDir, sampleReportInput(run.runDir), run.keyDir);
  return run;
}

/** A .tar.gz made entry by entry, so a test can write what no honest tool writes. */
function handMadeArchive(
  file: string,
  entries: { path: string; type?: 'File' | 'SymbolicLink' | 'Link'; body?: string; linkpath?: string }[],
): void {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = new Header({
      path: entry.path,
      type: entry.type ?? 'File',
      size: entry.type === undefined || entry.type === 'File' ? body.length : 0,
      mode: 0o644,
      mtime: new Date(0),
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (body.length > 0 && (entry.type ?? 'File') === 'File')
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
}

async function refusal(file: string): Promise<string> {
  let error: unknown;
  await unpackBundle(file).catch((e: unknown) => {
    error = e;
  });
  expect(error).to.be.instanceOf(BundleError);
  return (error as Error).message;
}

describe('report/bundle', () => {
  after(removeTempDirs);

  it('packs the run under <run-id>/, sorted, with fixed mtime, no owner and 0644, the same bytes every time', async () => {
    const { runDir } = await finalisedRun();
    const first = await createBundle(runDir, { out: join(tempDir('out'), 'a.tar.gz') });
    utimesSync(join(runDir, 'events.ndjson'), new Date(), new Date(2000, 1, 1));
    const second = await createBundle(runDir, { out: join(tempDir('out'), 'b.tar.gz') });
    expect(second.sha256).to.equal(first.sha256);
    expect(first.runId).to.equal('run-20251124-cam-1');

    const listing = execFileSync('tar', ['-tvzf', first.file, '--numeric-owner', '--full-time'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    })
      .trim()
      .split('\n');
    expect(listing.map((line) => line.split(/\s+/).at(-1))).to.deep.equal(
      [
        'attestation.intoto.json',
        'devices/cam-1.log',
        'events.ndjson',
        'manifest.json',
        'manifest.json.sig',
        'profile.yaml',
        'report.html',
        'report.json',
        'report.json.sig',
        'report.pdf',
        'signer.pub.pem',
      ].map((f) => `run-20251124-cam-1/${f}`),
    );
    for (const line of listing) {
      expect(line).to.match(/^-rw-r--r-- 0\/0 .* 2025-11-24 16:00:11 /);
    }
  });

  it('writes <run-id>.tar.gz beside the run directory by default, never inside it', async () => {
    const { runDir } = await finalisedRun();
    const result = await createBundle(runDir);
    expect(result.file).to.equal(join(runDir, '..', 'run-20251124-cam-1.tar.gz'));
    expect(existsSync(result.file)).to.equal(true);
    let error: unknown;
    await createBundle(runDir, { out: join(runDir, 'x.tar.gz') }).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.match(/inside the run directory/);
  });

  it('refuses to bundle a private key or an unfinalised run', async () => {
    const { runDir, keyDir } = await finalisedRun();
    writeFileSync(join(runDir, 'copy.pem'), readFileSync(join(keyDir, 'lab-ed25519.key.pem')));
    let error: unknown;
    await createBundle(runDir, { out: join(tempDir('out'), 'x.tar.gz') }).catch((e: unknown) => {
      error = e;
    });
    expect(error).to.be.instanceOf(BundleError);
    expect(String(error)).to.match(/private keys are never bundled: copy\.pem \(holds a PEM private key block\)/);

    const bare = tempDir('bare');
    error = undefined;
    await createBundle(bare).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.match(/not a finalised run: report\.json is missing/);
  });

  it('unpacks a bundle into a temporary run directory that verifies, and removes it on close', async () => {
    const { runDir } = await finalisedRun();
    const { file } = await createBundle(runDir, { out: join(tempDir('out'), 'b.tar.gz') });
    const opened = await openRunOrBundle(file);
    expect(opened.bundle).to.equal(file);
    expect(opened.runDir).to.match(/run-20251124-cam-1$/);
    expect(verifyRun(opened.runDir).ok).to.equal(true);
    opened.close();
    expect(existsSync(opened.runDir)).to.equal(false);
  });

  it('refuses symbolic and hard links, absolute paths, .. and duplicate entries, naming each', async () => {
    const dir = tempDir('evil');
    const cases: [string, Parameters<typeof handMadeArchive>[1], RegExp][] = [
      [
        'symlink',
        [{ path: 'run/report.json', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
        /run\/report\.json: a symbolic link entry/,
      ],
      [
        'hardlink',
        [
          { path: 'run/a', body: 'x' },
          { path: 'run/b', type: 'Link', linkpath: 'run/a' },
        ],
        /run\/b: a hard link entry/,
      ],
      ['absolute', [{ path: '/tmp/dnsconform-evil', body: 'x' }], /\/tmp\/dnsconform-evil: an absolute path/],
      ['dotdot', [{ path: 'run/../../evil', body: 'x' }], /run\/\.\.\/\.\.\/evil: a path with \.\./],
      [
        'twice',
        [
          { path: 'run/a', body: 'x' },
          { path: 'run/a', body: 'y' },
        ],
        /run\/a: in the archive twice/,
      ],
    ];
    for (const [name, entries, message] of cases) {
      const file = join(dir, `${name}.tar.gz`);
      handMadeArchive(file, entries);
      expect(await refusal(file)).to.match(message);
    }
    expect(existsSync('/tmp/dnsconform-evil')).to.equal(false);
    expect(readdirSync(dir).sort()).to.deep.equal(cases.map(([name]) => `${name}.tar.gz`).sort());
  });

  it('treats a file that is not a .tar.gz as unusable input', async () => {
    const file = join(tempDir('junk'), 'junk.tar.gz');
    writeFileSync(file, 'not an archive at all, just text');
    expect(await refusal(file)).to.match(/not a readable \.tar\.gz bundle/);
  });
});
