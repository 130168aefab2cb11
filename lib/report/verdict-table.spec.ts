import { expect } from 'chai';
import { join } from 'node:path';
import { loadCatalogues } from '../catalogue/load-catalogues.ts';
import { loadProfile } from '../profile/load-profile.ts';
import { buildReport } from './build-report.ts';
import { editedCatalogues, verifyDraftClauses } from './fixtures/catalogue-copy.ts';
import { removeTempDirs, sampleReportInput, tempDir, writeSampleRun } from './fixtures/sample-run.ts';
import { renderVerdictTable } from './verdict-table.ts';

const LAB_EXAMPLE = join(import.meta.dirname, '..', '..', 'profiles', 'lab-example.yaml');

function table(cataloguesDir?: string): string {
  const runDir = tempDir('verdict-table');
  writeSampleRun(runDir);
  const input = sampleReportInput(runDir, ['PASS', 'FAIL']);
  const report = buildReport({
    ...input,
    profile: loadProfile(LAB_EXAMPLE).profile,
    evidenceFiles: [],
    ...(cataloguesDir === undefined ? {} : { catalogues: loadCatalogues(cataloguesDir) }),
  });
  return renderVerdictTable(report, 'reports/x/report.json', 3);
}

describe('report/verdict-table: traceability lines', () => {
  after(removeTempDirs);

  it("counts the lab's assessments apart from the overall verdict, and says while the clause mapping is provisional", () => {
    const lines = table().split('\n');
    const catalogues = loadCatalogues();
    const leftToLab = [...catalogues.draft.clauses, ...catalogues.etsi.provisions].filter(
      (c) => c.labAssessment === true,
    ).length;
    expect(lines).to.include(
      `  lab assessments (apart, not in the overall verdict): 1 PASS, 0 FAIL, 1 NOT_ASSESSED by the lab, ${leftToLab - 2} of ${leftToLab} clauses without a lab assessment in the profile`,
    );
    expect(lines).to.include(
      '  provisional clause mapping (draft-ietf-iotops-iot-dns-guidelines-04): 1 of 1 cited draft clauses unverified, sections unconfirmed',
    );
    expect(lines.indexOf('  overall: NOT_CONFORMANT')).to.be.lessThan(
      lines.findIndex((l) => l.startsWith('  lab assessments')),
    );
  });

  it('prints no mapping line once the cited clauses are verified', () => {
    expect(table(editedCatalogues({ draft: verifyDraftClauses() }))).to.not.match(/provisional/);
  });
});
