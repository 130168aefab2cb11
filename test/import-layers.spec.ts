import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { checkLayers, readStageOrder } from './import-layers-test-kit.ts';

const ROOT = join(import.meta.dirname, '..');
const STAGES = readStageOrder(join(ROOT, 'docs', 'architecture.md'));

/**
 * Imports that still run against the order, each named with the work that removes it
 * (docs/architecture.md, "Debts still open"). The spec fails when one of them is gone, so
 * this list can only shrink.
 */
const KNOWN_DEBTS: Record<string, string> = {};

function plant(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('layers: imports under lib/ run one way (docs/architecture.md)', () => {
  it('every folder of lib/ is a stage of the declared order', () => {
    expect(
      checkLayers(ROOT, STAGES).unknownStages,
      'folders of lib/ missing from the stages block of docs/architecture.md',
    ).to.deep.equal([]);
  });

  it('no engine import goes to a later stage, beyond the known debts (which only shrink)', () => {
    const found = [...new Set(checkLayers(ROOT, STAGES).backward.map((b) => `${b.file} -> ${b.target}`))].sort();
    const debts = Object.keys(KNOWN_DEBTS).sort();
    expect(
      found.filter((edge) => !(edge in KNOWN_DEBTS)),
      'imports that run against the stage order',
    ).to.deep.equal([]);
    expect(
      debts.filter((edge) => !found.includes(edge)),
      'debts paid: remove them from KNOWN_DEBTS',
    ).to.deep.equal([]);
  });

  it('engine code imports nothing from suites/, test/ or bench/', () => {
    expect(checkLayers(ROOT, STAGES).outsideLib).to.deep.equal([]);
  });

  it('benches import nothing from test/: what both need lives under lib/', () => {
    const bench = join(ROOT, 'bench');
    const intoTest = readdirSync(bench, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [
          ...readFileSync(join(bench, file), 'utf8').matchAll(
            /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm,
          ),
        ]
          .map((m) => relative(ROOT, join(bench, dirname(file), m[1]!)))
          .filter((target) => target.startsWith(`test${sep}`))
          .map((target) => `bench/${file} -> ${target}`),
      );
    expect(intoTest).to.deep.equal([]);
  });

  it('no import cycles among engine files', () => {
    expect(checkLayers(ROOT, STAGES).cycles).to.deep.equal([]);
  });

  describe('on a planted tree', () => {
    let root: string;
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'dnsconform-layers-'));
      plant(root, {
        'lib/evidence/log.ts': 'export const log = 1;\n',
        'lib/dns/codec.ts': "import { log } from '../evidence/log.ts';\nexport const codec = log;\n",
        'lib/capture/read.ts':
          "import { codec } from '../dns/codec.ts';\nimport type { Report } from '../report/model.ts';\nexport const read = codec;\n",
        'lib/report/model.ts':
          "export interface Report { verdict: string }\nexport const late = () => import('../capture/read.ts');\n",
        'lib/report/a.ts': "import { b } from './b.ts';\nexport const a = 1;\n",
        'lib/report/b.ts': "import { a } from './a.ts';\nexport const b = a;\n",
        'lib/report/model.spec.ts': "import '../../test/kit.ts';\n",
        'lib/dns/peek.ts': "import '../../suites/fixture.ts';\n",
        'lib/gadgets/g.ts': 'export const g = 1;\n',
      });
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('names a backwards import (type-only ones too), and not a forward or ground-floor one', () => {
      const findings = checkLayers(root, ['evidence', 'dns', 'capture', 'report']);
      expect(findings.backward).to.deep.equal([
        { file: 'lib/capture/read.ts', target: 'lib/report/model.ts', from: 'capture', to: 'report' },
      ]);
    });

    it('names engine code reaching suites/, but lets specs reach test kits', () => {
      expect(checkLayers(root, ['evidence', 'dns', 'capture', 'report']).outsideLib).to.deep.equal([
        { file: 'lib/dns/peek.ts', target: 'suites/fixture.ts' },
      ]);
    });

    it('names a folder the order leaves out', () => {
      expect(checkLayers(root, ['evidence', 'dns', 'capture', 'report']).unknownStages).to.deep.equal(['gadgets']);
    });

    it('finds cycles, static and through import()', () => {
      expect(checkLayers(root, ['evidence', 'dns', 'capture', 'report']).cycles).to.have.deep.members([
        ['lib/report/a.ts', 'lib/report/b.ts'],
        ['lib/capture/read.ts', 'lib/report/model.ts'],
      ]);
    });
  });
});
