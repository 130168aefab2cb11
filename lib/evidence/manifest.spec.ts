import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildManifest,
  checkManifest,
  hashFile,
  listRunFiles,
  ManifestFormatError,
  parseManifest,
} from './manifest.ts';

const made: string[] = [];

function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-manifest-'));
  made.push(dir);
  writeFileSync(join(dir, 'events.ndjson'), '{"seq":1}\n');
  mkdirSync(join(dir, 'devices', 'cam'), { recursive: true });
  writeFileSync(join(dir, 'devices', 'cam', 'stub.log'), 'abc');
  writeFileSync(join(dir, 'Z-upper.txt'), '');
  writeFileSync(join(dir, 'manifest.json'), '{}');
  return dir;
}

describe('evidence/manifest', () => {
  after(() => made.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('hashes a file as SHA-256 with its size', () => {
    const dir = runDir();
    expect(hashFile(join(dir, 'devices', 'cam', 'stub.log'))).to.deep.equal({
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      bytes: 3,
    });
  });

  it('lists run files recursively as sorted relative POSIX paths', () => {
    expect(listRunFiles(runDir())).to.deep.equal([
      'Z-upper.txt',
      'devices/cam/stub.log',
      'events.ndjson',
      'manifest.json',
    ]);
  });

  it('builds a manifest without the excluded files, and an untouched directory matches it', () => {
    const dir = runDir();
    const manifest = buildManifest(dir, ['manifest.json']);
    expect(manifest.files.map((f) => f.file)).to.deep.equal(['Z-upper.txt', 'devices/cam/stub.log', 'events.ndjson']);
    expect(manifest.excluded).to.deep.equal(['manifest.json']);
    expect(checkManifest(dir, manifest)).to.deep.equal([]);
  });

  it('names changed, missing and unexpected files', () => {
    const dir = runDir();
    const manifest = buildManifest(dir, ['manifest.json']);
    writeFileSync(join(dir, 'events.ndjson'), '{"seq":2}\n');
    rmSync(join(dir, 'Z-upper.txt'));
    writeFileSync(join(dir, 'devices', 'extra.bin'), 'x');
    expect(checkManifest(dir, manifest).map((p) => [p.file, p.kind])).to.deep.equal([
      ['Z-upper.txt', 'missing'],
      ['devices/extra.bin', 'unexpected'],
      ['events.ndjson', 'changed'],
    ]);
  });

  it('parses a manifest it built, and rejects paths that leave the run directory with a pointer', () => {
    const dir = runDir();
    const manifest = buildManifest(dir, ['manifest.json']);
    expect(parseManifest(JSON.stringify(manifest), 'manifest.json')).to.deep.equal(manifest);
    const escaping = { ...manifest, files: [{ file: '../outside', sha256: 'a'.repeat(64), bytes: 1 }] };
    expect(() => parseManifest(JSON.stringify(escaping), 'm.json')).to.throw(
      ManifestFormatError,
      'm.json: /files/0/file',
    );
    expect(() => parseManifest('{', 'm.json')).to.throw(ManifestFormatError, /m\.json: \/: not JSON/);
  });
});
