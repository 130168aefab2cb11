import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverChecks } from '../checks/discover.ts';
import { InputFileError } from '../input/yaml-input.ts';
import { coverage } from '../checks/coverage.ts';
import type { CoverageRow } from '../checks/coverage.ts';
import { lintSuites } from './lint.ts';
import { CATALOGUES_DIR, loadCatalogues } from '../catalogue/load-catalogues.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dnsconform.js');

/** A check file as a suite author writes it, with the covers and experiments given. */
function checkSource(covers: object, extra: object = {}): string {
  const meta = {
    title: 'A test check',
    requirement: 'Test requirement (nowhere).',
    keyword: 'SHOULD',
    severity: 'low',
    covers,
    decisionRule: { text: 'PASS always.', parameters: {} },
    experiments: ['baseline'],
    ...extra,
  };
  return `export default { meta: ${JSON.stringify(meta)}, judge() { return { verdict: 'PASS', expected: '', observed: '1', figures: {}, evidence: [] }; } };\n`;
}

describe('lint: the project', () => {
  it('lints clean: every check valid, every cited clause known, every clause covered or explained, every check with both fixtures', async () => {
    const result = await lintSuites();
    expect(result.findings.map((f) => `${f.file} ${f.pointer}: ${f.message}`)).to.deep.equal([]);
    expect(result.checks).to.be.at.least(16);
  });

  it('list --coverage --json: all nine recommendations and every IOTDNS-D clause covered, every other clause explained', () => {
    const rows = JSON.parse(
      execFileSync(process.execPath, [BIN, 'list', '--coverage', '--json'], { encoding: 'utf8' }),
    ) as CoverageRow[];
    const catalogues = loadCatalogues();
    for (const row of rows) expect(Object.keys(row)).to.deep.equal(['source', 'clause', 'checks', 'status', 'reason']);
    expect(rows.filter((r) => r.source === 'paper').map((r) => [r.clause, r.status])).to.deep.equal(
      ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((n) => [n, 'covered']),
    );
    const device = rows.filter((r) => r.source === 'draft' && r.clause.startsWith('IOTDNS-D-'));
    expect(device.map((r) => r.clause)).to.deep.equal(
      catalogues.draft.clauses.filter((c) => c.actor === 'device').map((c) => c.id),
    );
    for (const row of device) expect(row.checks, row.clause).to.not.be.empty;
    for (const row of rows.filter((r) => r.status !== 'covered')) {
      expect(row.status, `${row.source} ${row.clause}`).to.be.oneOf(['lab-assessment', 'not-tested']);
      expect(row.reason, `${row.source} ${row.clause}`).to.be.a('string').and.match(/\w/);
    }
    expect(rows.filter((r) => r.source === 'etsi').map((r) => r.clause)).to.deep.equal(
      catalogues.etsi.provisions.map((p) => p.id),
    );
  });
});

describe('lint: a broken suite', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dnsconform-lint-'));
    cpSync(CATALOGUES_DIR, join(root, 'catalogues'), { recursive: true });
    mkdirSync(join(root, 'suites', 'demo', 'fixtures'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const lint = async (): Promise<string[]> =>
    (await lintSuites({ suitesDir: join(root, 'suites'), cataloguesDir: join(root, 'catalogues') })).findings.map(
      (f) => `${f.file.slice(f.file.lastIndexOf('/') + 1)} ${f.pointer}: ${f.message}`,
    );

  it('names an unknown clause, a foreign Table I column, an unknown experiment, missing and orphan fixtures, and uncovered clauses', async () => {
    writeFileSync(
      join(root, 'suites', 'demo', 'bad.check.ts'),
      checkSource(
        { paper: ['3'], draft: ['IOTDNS-D-NOPE-1'], etsi: ['5.13-1', '6-9'] },
        { tableI: 'secureDns', experiments: ['baseline', 'no-such-experiment'] },
      ),
    );
    writeFileSync(join(root, 'suites', 'demo', 'fixtures', 'bad.pass.ndjson'), '');
    writeFileSync(join(root, 'suites', 'demo', 'fixtures', 'renamed.fail.ndjson'), '');
    const findings = await lint();
    expect(findings).to.include.members([
      'bad.check.ts /meta/covers/draft/0: cites draft clause IOTDNS-D-NOPE-1, which ' +
        join(root, 'catalogues', 'draft-clauses.yaml') +
        ' does not have',
      'bad.check.ts /meta/tableI: feeds Table I column secureDns, which belongs to Recommendation #1, but covers none of them',
      'bad.check.ts /meta/experiments/1: needs experiment no-such-experiment, which has no definition',
      'bad.fail.ndjson : demo/bad has no fail fixture',
      'bad.inconclusive.ndjson : demo/bad has no inconclusive fixture',
      'renamed.fail.ndjson : fixture of no check (a fixture is fixtures/<check>.<pass|fail|inconclusive|info|not-assessed>[.<variant>].ndjson beside its check)',
      'recommendations.yaml : recommendation 1: no check cites it (cite it from a check, or give notTestedReason)',
    ]);
    expect(findings.find((f) => f.startsWith('bad.check.ts /meta/covers/etsi/1:'))).to.match(
      /provision 6-9, which .* does not have/,
    );
    expect(findings.filter((f) => f.includes('IOTDNS-D-RND-1'))).to.have.length(1);
  });

  it('reports a check whose metadata breaks the schema at its pointer, and a clause both explained and covered', async () => {
    writeFileSync(join(root, 'suites', 'demo', 'bad.check.ts'), checkSource({ paper: ['10'], draft: [], etsi: [] }));
    writeFileSync(
      join(root, 'suites', 'demo', 'covers-operator.check.ts'),
      checkSource({ paper: ['2'], draft: ['IOTDNS-O-POL-1'], etsi: [] }),
    );
    const findings = await lint();
    expect(findings.find((f) => f.startsWith('bad.check.ts /meta/covers/paper/0:'))).to.match(/pattern/);
    expect(findings).to.include(
      'draft-clauses.yaml : draft clause IOTDNS-O-POL-1 says it is not tested, but demo/covers-operator cite it',
    );
  });

  it('reports bad catalogue data with its pointer and line', async () => {
    const file = join(root, 'catalogues', 'draft-clauses.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  - id: IOTDNS-D-ENC-2\n', '  - id: IOTDNS-D-ENC-1\n'));
    expect(() => loadCatalogues(join(root, 'catalogues'))).to.throw(
      InputFileError,
      /\/clauses\/1\/id \(line \d+\): id IOTDNS-D-ENC-1 repeats \/clauses\/0/,
    );
    const findings = await lint();
    expect(findings.some((f) => f.startsWith('draft-clauses.yaml /clauses/1/id: id IOTDNS-D-ENC-1 repeats'))).to.equal(
      true,
    );
  });
});

describe('catalogue/coverage', () => {
  it('marks an uncited clause uncovered unless the catalogue explains it, and says what an ETSI citation leaves to the lab', async () => {
    const catalogues = loadCatalogues();
    const checks = await discoverChecks();
    const rows = coverage(
      catalogues,
      checks.filter((c) => !c.id.startsWith('resolver-use/')),
    );
    expect(rows.find((r) => r.source === 'draft' && r.clause === 'IOTDNS-D-DISC-1')?.status).to.equal('uncovered');
    const all = coverage(catalogues, checks);
    const input = all.find((r) => r.source === 'etsi' && r.clause === '5.13-1')!;
    expect(input.status).to.equal('covered');
    expect(input.reason).to.equal(
      "functional evidence for TS 103 701 test case 5.13-1-2; conceptual 5.13-1-1 is the lab's (IXIT 29-InpVal, 11-ComMech)",
    );
  });

  it('lint exits 1 on problems and 0 when clean (the CLI)', () => {
    const run = spawnSync(process.execPath, [BIN, 'lint'], { encoding: 'utf8' });
    expect(run.stdout).to.match(/^lint: \d+ checks, \d+ catalogue clauses, \d+ problems?$/m);
    expect(run.status).to.equal(run.stdout.includes(', 0 problems') ? 0 : 1);
  });
});
