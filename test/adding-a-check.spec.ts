/**
 * docs/adding-a-check.md says a check is one file plus its fixtures' recipe. This copies
 * suites/, adds the two files the page shows (read from its code blocks), makes the
 * fixtures through the one entry point the project uses (writeFixtures, as `npm run
 * fixtures`) and judges them: the new check is found by its path and its fixtures give their
 * verdicts, with nothing else edited.
 */
import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_VERDICTS, fixtureOf, writeFixtures } from '../lib/checks/check-fixtures.ts';
import type { CheckContext } from '../lib/checks/check-types.ts';
import { discoverChecks } from '../lib/checks/discover.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';

const ROOT = join(import.meta.dirname, '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'adding-a-check.md'), 'utf8');

/** The page's files: a `suites/...ts` path in backticks, a line ending in a colon, then its ts block. */
const FILES = [...PAGE.matchAll(/`(suites\/[a-z0-9/-]+\.(?:check|fixtures)\.ts)`[^`]*?:\n\n```ts\n([\s\S]*?)```/g)].map(
  (m) => ({ path: m[1]!, text: m[2]! }),
);

describe('docs/adding-a-check.md: a check is its file plus its fixtures', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'dnsconform-new-check-'));
    // The checks import ../../lib/...: a link to the harness's own modules.
    symlinkSync(join(ROOT, 'lib'), join(root, 'lib'));
    cpSync(join(ROOT, 'suites'), join(root, 'suites'), { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('shows one check file and one fixtures file', () => {
    expect(FILES.map((f) => f.path.replace(/\.(check|fixtures)\.ts$/, '.$1'))).to.deep.equal([
      'suites/privacy/no-any-queries.check',
      'suites/privacy/no-any-queries.fixtures',
    ]);
  });

  it('the check is found by its path and its fixtures give their verdicts', async function () {
    // Regenerates every fixture of the copy (about a second) and loads every check.
    this.timeout(60_000);
    for (const { path, text } of FILES) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const suites = join(root, 'suites');
    const written = await writeFixtures(suites);
    expect(written).to.include.members([
      'privacy/fixtures/no-any-queries.pass.ndjson',
      'privacy/fixtures/no-any-queries.fail.ndjson',
      'privacy/fixtures/no-any-queries.inconclusive.ndjson',
    ]);
    const check = (await discoverChecks(suites)).find((c) => c.id === 'privacy/no-any-queries');
    expect(check, 'privacy/no-any-queries among the discovered checks').to.not.equal(undefined);
    // The example check reads no profile.
    const context = { dutId: 'fixture-dut', eventsFile: 'events.ndjson' } as CheckContext;
    for (const kind of ['pass', 'fail', 'inconclusive'] as const) {
      const outcome = check!.judge(loadEvidence(fixtureOf(check!.file, kind)), context);
      expect(outcome.verdict, `${kind}: ${outcome.observed}`).to.equal(FIXTURE_VERDICTS[kind]);
    }
  });
});
