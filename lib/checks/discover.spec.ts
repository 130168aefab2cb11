import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CheckLoadError, checkIdOf, discoverChecks, loadCheck, SUITES_DIR } from './discover.ts';
import type { CheckMeta } from './check-types.ts';

const VALID_META: CheckMeta = {
  title: 'A check for the discovery spec',
  requirement: 'Something a device should do (spec source).',
  keyword: 'SHOULD',
  severity: 'low',
  covers: { paper: ['3'], draft: ['IOTDNS-D-RND-1'], etsi: ['5.5-2'] },
  decisionRule: { text: 'PASS when at least minQueries queries were seen.', parameters: { minQueries: 5 } },
  experiments: ['baseline'],
};

/** The source of a check file whose metadata is `meta` and whose judge always says INFO. */
function checkSource(meta: unknown): string {
  return `export default {
  meta: ${JSON.stringify(meta)},
  judge() { return { verdict: 'INFO', expected: '', observed: 'spec check', figures: {}, evidence: [] }; },
};
`;
}

describe('discoverChecks', () => {
  let suites: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(suites, path)), { recursive: true });
    writeFileSync(join(suites, path), text);
  };

  beforeEach(() => {
    suites = mkdtempSync(join(tmpdir(), 'dnsconform-discover-'));
  });
  afterEach(() => rmSync(suites, { recursive: true, force: true }));

  it('finds every *.check.ts at any depth, ids from paths, sorted, and nothing else', async () => {
    write('zeta/last.check.ts', checkSource(VALID_META));
    write('alpha/deep/nested/first.check.ts', checkSource({ ...VALID_META, title: 'first' }));
    write('alpha/helper.ts', 'export const notACheck = 1;\n');
    write('alpha/fixtures/first.pass.ndjson', '{}\n');
    const checks = await discoverChecks(suites);
    expect(checks.map((c) => c.id)).to.deep.equal(['alpha/deep/nested/first', 'zeta/last']);
    expect(checks[0]!.meta.title).to.equal('first');
    expect(checks[0]!.file).to.equal(join(suites, 'alpha/deep/nested/first.check.ts'));
    expect(checks[1]!.judge(undefined as never, undefined as never).observed).to.equal('spec check');
  });

  it('rejects invalid metadata, naming the file and the JSON pointer', async () => {
    const bad = { ...VALID_META, covers: { ...VALID_META.covers, paper: ['10'] } };
    write('topic/broken.check.ts', checkSource(bad));
    write('topic/fine.check.ts', checkSource(VALID_META));
    const error = await discoverChecks(suites).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CheckLoadError);
    const loadError = error as CheckLoadError;
    expect(loadError.file).to.equal(join(suites, 'topic/broken.check.ts'));
    expect(loadError.pointer).to.equal('/meta/covers/paper/0');
    expect(loadError.message).to.contain('broken.check.ts').and.contain('/meta/covers/paper/0');
  });

  it('points at missing fields, unknown fields and non-numeric parameters', async () => {
    const cases: [string, unknown, string][] = [
      ['missing', { ...VALID_META, severity: undefined }, '/meta/severity'],
      ['extra', { ...VALID_META, colour: 'red' }, '/meta/colour'],
      [
        'parameter',
        { ...VALID_META, decisionRule: { text: 'x', parameters: { minQueries: 'five' } } },
        '/meta/decisionRule/parameters/minQueries',
      ],
      ['keyword', { ...VALID_META, keyword: 'SHALL' }, '/meta/keyword'],
      ['experiments', { ...VALID_META, experiments: [] }, '/meta/experiments'],
      ['requires', { ...VALID_META, requires: ['telepathy'] }, '/meta/requires/0'],
    ];
    for (const [name, meta, pointer] of cases) {
      write(`${name}.check.ts`, checkSource(meta));
      const error = await loadCheck(join(suites, `${name}.check.ts`), suites).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, name).to.be.instanceOf(CheckLoadError);
      expect((error as CheckLoadError).pointer, name).to.equal(pointer);
    }
  });

  it('accepts checks that require the packet capture', async () => {
    write('needs-capture.check.ts', checkSource({ ...VALID_META, requires: ['capture'] }));
    const loaded = await loadCheck(join(suites, 'needs-capture.check.ts'), suites);
    expect(loaded.meta.requires).to.deep.equal(['capture']);
  });

  it('rejects a file without a judge function or without a default export', async () => {
    write('nojudge.check.ts', `export default { meta: ${JSON.stringify(VALID_META)} };\n`);
    write('nodefault.check.ts', 'export const meta = {};\n');
    const noJudge = await loadCheck(join(suites, 'nojudge.check.ts'), suites).then(
      () => null,
      (e: unknown) => e,
    );
    expect((noJudge as CheckLoadError).pointer).to.equal('/judge');
    const noDefault = await loadCheck(join(suites, 'nodefault.check.ts'), suites).then(
      () => null,
      (e: unknown) => e,
    );
    expect((noDefault as CheckLoadError).message).to.match(/nodefault\.check\.ts: .*no default export/);
  });

  it('rejects a path that cannot be an id', async () => {
    write('Topic/Upper.check.ts', checkSource(VALID_META));
    const error = await discoverChecks(suites).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as CheckLoadError).message).to.contain('Topic/Upper');
    expect(() => checkIdOf('/elsewhere/x.check.ts', suites)).to.throw(CheckLoadError, /not a \.check\.ts file under/);
  });

  it('defaults to the project suites folder, whose checks all load', async () => {
    expect(SUITES_DIR).to.match(/suites$/);
    const checks = await discoverChecks();
    expect(checks.map((c) => c.id)).to.include('randomness/source-port-randomised');
    for (const check of checks) expect(check.file.startsWith(SUITES_DIR), check.id).to.equal(true);
  });
});
