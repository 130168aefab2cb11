import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { CATALOGUE_FILES, CATALOGUES_DIR, loadCatalogues } from '../catalogue/load-catalogues.ts';
import type { CheckResult, ClauseCoverage, Verdict } from '../checks/check-types.ts';
import { loadProfile } from '../profile/load-profile.ts';
import type { Profile } from '../profile/profile-types.ts';
import { buildReport } from './build-report.ts';
import { CatalogueCitationError } from './clause-citations.ts';
import { editedCatalogues, verifyDraftClauses } from './fixtures/catalogue-copy.ts';
import {
  removeTempDirs,
  sampleProfile,
  sampleReportInput,
  sampleResults,
  tempDir,
  writeSampleRun,
} from './fixtures/sample-run.ts';
import type { Report } from './report-types.ts';
import { ReportValidationError, validateReport } from './validate-report.ts';

const LAB_EXAMPLE = join(import.meta.dirname, '..', '..', 'profiles', 'lab-example.yaml');
const DRAFT = 'draft-ietf-iotops-iot-dns-guidelines';

/** A result citing `covers` (the sample result otherwise). */
function citing(check: string, covers: Partial<ClauseCoverage>, verdict: Verdict = 'PASS'): CheckResult {
  const sample = sampleResults([verdict])[0]!;
  return { ...sample, check, covers: { ...sample.covers, ...covers } };
}

/** A validated report of the sample run with the catalogues, profile and results given. */
function reportWith(opts: { catalogues?: Catalogues; profile?: Profile; results?: CheckResult[] } = {}): Report {
  const runDir = tempDir('traceability');
  writeSampleRun(runDir);
  const input = sampleReportInput(runDir, ['PASS', 'FAIL']);
  const evidenceFiles = [
    { file: 'events.ndjson', sha256: 'e'.repeat(64), bytes: 1 },
    { file: 'profile.yaml', sha256: input.profileSha256, bytes: 1 },
  ];
  const scope = { ...input.scope, available: (opts.results ?? input.results).length };
  return validateReport(buildReport({ ...input, ...opts, scope, evidenceFiles }));
}

function problemsOf(value: unknown): string[] {
  try {
    validateReport(value);
  } catch (error) {
    expect(error).to.be.instanceOf(ReportValidationError);
    return (error as ReportValidationError).problems.map((p) => p.pointer);
  }
  return expect.fail('the report was accepted');
}

describe('report/traceability: the draft clause mapping', () => {
  after(removeTempDirs);

  it('is provisional while a cited clause is unverified: report.json says which, and each is referenced without a section', () => {
    const report = reportWith({
      results: [
        citing('a', { draft: ['IOTDNS-D-RND-2', 'IOTDNS-D-RND-1'] }),
        citing('b', { draft: ['IOTDNS-D-RND-1'] }),
      ],
    });
    const { draftMapping } = report.citations;
    expect(draftMapping).to.include({ status: 'provisional', document: DRAFT, revision: '04' });
    expect(draftMapping.cited).to.deep.equal(['IOTDNS-D-RND-1', 'IOTDNS-D-RND-2']);
    expect(draftMapping.unverified).to.deep.equal(['IOTDNS-D-RND-1', 'IOTDNS-D-RND-2']);
    expect(draftMapping.statement).to.match(
      /^Provisional clause mapping: the draft's text was not available; clause ids are the harness's proposal \(draft-ietf-iotops-iot-dns-guidelines-04\), sections unconfirmed\./,
    );
    expect(report.results[0]!.traceability.draft).to.deep.equal([
      {
        clause: 'IOTDNS-D-RND-2',
        keyword: 'MUST',
        verified: false,
        section: null,
        revision: '04',
        reference: `${DRAFT}-04 (section not confirmed)`,
      },
      {
        clause: 'IOTDNS-D-RND-1',
        keyword: 'MUST',
        verified: false,
        section: null,
        revision: '04',
        reference: `${DRAFT}-04 (section not confirmed)`,
      },
    ]);
  });

  it('is verified, with each clause referenced by its section, once the catalogue marks the cited clauses verified (data only)', () => {
    const catalogues = loadCatalogues(editedCatalogues({ draft: verifyDraftClauses() }));
    const section = catalogues.draft.clauses.find((c) => c.id === 'IOTDNS-D-RND-1')!.section;
    const report = reportWith({ catalogues });
    expect(report.citations.draftMapping).to.include({ status: 'verified' });
    expect(report.citations.draftMapping.unverified).to.deep.equal([]);
    expect(report.citations.draftMapping.statement).to.not.match(/provisional/i);
    expect(report.results.map((r) => r.traceability.draft.map((d) => d.reference))).to.deep.equal([
      [`${DRAFT}-04 §${section}`],
      [`${DRAFT}-04 §${section}`],
    ]);
  });

  it('stays provisional when only some cited clauses are verified, naming the others', () => {
    const catalogues = loadCatalogues(editedCatalogues({ draft: verifyDraftClauses(['IOTDNS-D-RND-1']) }));
    const report = reportWith({
      catalogues,
      results: [citing('a', { draft: ['IOTDNS-D-RND-1', 'IOTDNS-D-CACHE-1'] })],
    });
    expect(report.citations.draftMapping).to.deep.include({
      status: 'provisional',
      cited: ['IOTDNS-D-CACHE-1', 'IOTDNS-D-RND-1'],
      unverified: ['IOTDNS-D-CACHE-1'],
    });
    expect(report.citations.draftMapping.statement).to.match(/not verified against the draft: IOTDNS-D-CACHE-1\.$/);
  });

  it('is not-cited when no result cites a draft clause', () => {
    const report = reportWith({ results: [citing('a', { draft: [] })] });
    expect(report.citations.draftMapping).to.deep.include({ status: 'not-cited', cited: [], unverified: [] });
  });

  it('is re-derived by the validator: a report claiming verified while citing an unverified clause is rejected', () => {
    const report = reportWith();
    const claimed = structuredClone(report);
    claimed.citations.draftMapping = { ...claimed.citations.draftMapping, status: 'verified', unverified: [] };
    expect(problemsOf(claimed)).to.deep.equal(['/citations/draftMapping/status', '/citations/draftMapping/unverified']);
    const verifiedHere = structuredClone(report);
    verifiedHere.results[0]!.traceability.draft[0]!.verified = true;
    expect(problemsOf(verifiedHere)).to.include('/results/0/traceability/draft/0/section');
    const elsewhere = structuredClone(report);
    elsewhere.results[1]!.traceability.etsi = [];
    elsewhere.results[0]!.traceability.draft[0]!.reference = `${DRAFT}-04 §9.9`;
    expect(problemsOf(elsewhere)).to.deep.equal([
      '/results/0/traceability/draft/0/reference',
      '/results/1/traceability/etsi',
    ]);
  });
});

describe('report/traceability: EN 303 645 citations', () => {
  after(removeTempDirs);

  it('gives each cited provision its ICS status, TS 103 701 test group, functional and conceptual cases and IXIT tables', () => {
    const report = reportWith({ results: [citing('a', { etsi: ['5.13-1', '5.3-9', '6-1'] })] });
    expect(report.results[0]!.traceability.etsi).to.deep.equal([
      {
        provision: '5.13-1',
        icsStatus: 'M',
        testGroup: '5.13-1',
        functionalTestCases: ['5.13-1-2'],
        conceptualTestCases: ['5.13-1-1'],
        ixit: ['29-InpVal', '11-ComMech'],
      },
      {
        provision: '5.3-9',
        icsStatus: 'R C',
        testGroup: '5.3-9',
        functionalTestCases: ['5.3-9-2'],
        conceptualTestCases: ['5.3-9-1'],
        ixit: ['7-UpdMech'],
      },
      {
        provision: '6-1',
        icsStatus: 'M',
        testGroup: '6-1',
        functionalTestCases: [],
        conceptualTestCases: ['6-1-1'],
        ixit: ['2-UserInfo', '21-PersData'],
      },
    ]);
  });

  it('takes the edition, numbering note, test cases and digests from the catalogue files it read', () => {
    const report = reportWith();
    const etsiFile = readFileSync(join(CATALOGUES_DIR, CATALOGUE_FILES.etsi), 'utf8');
    expect(report.citations.etsiEdition).to.equal('ETSI EN 303 645 V2.1.1 / ETSI TS 103 701 V1.1.1');
    expect(report.citations.notes[0])
      .to.equal(loadCatalogues().etsi.numberingNote)
      .and.match(/V3\.1\.3/);
    expect(report.citations.catalogues.etsi).to.deep.equal({
      file: 'en-303-645.yaml',
      sha256: createHash('sha256').update(etsiFile).digest('hex'),
    });

    const renumbered = loadCatalogues(
      editedCatalogues({
        etsi: (c) => {
          c.version = 'V3.1.3';
          c.numberingNote = 'Provision numbers are EN 303 645 V3.1.3 numbers.';
          c.provisions.find((p) => p.id === '5.13-1')!.testCases.push({ id: '5.13-1-3', kind: 'functional' });
        },
      }),
    );
    const after = reportWith({ catalogues: renumbered });
    expect(after.citations.etsiEdition).to.equal('ETSI EN 303 645 V3.1.3 / ETSI TS 103 701 V1.1.1');
    expect(after.citations.notes[0]).to.equal('Provision numbers are EN 303 645 V3.1.3 numbers.');
    expect(after.results[0]!.traceability.etsi[0]!.functionalTestCases).to.deep.equal(['5.13-1-2', '5.13-1-3']);
    expect(after.citations.catalogues.etsi.sha256).to.not.equal(report.citations.catalogues.etsi.sha256);
    expect(after.citations.catalogues.draft).to.deep.equal(report.citations.catalogues.draft);
  });

  it('refuses to build a report citing a clause the catalogues do not have', () => {
    const runDir = tempDir('traceability');
    writeSampleRun(runDir);
    const input = sampleReportInput(runDir);
    for (const covers of [{ draft: ['IOTDNS-D-NOPE-1'] }, { etsi: ['5.99-1'] }]) {
      expect(() => buildReport({ ...input, results: [citing('odd', covers)], evidenceFiles: [] })).to.throw(
        CatalogueCitationError,
        /check odd cites .* which .* does not have/,
      );
    }
  });
});

describe('report/traceability: ICS, IXIT and lab assessments', () => {
  after(removeTempDirs);
  const lab = loadProfile(LAB_EXAMPLE).profile;

  it('says ICS and IXIT were not supplied when the profile has none', () => {
    expect(reportWith({ profile: sampleProfile }).customerSupplied).to.deep.equal({ ics: null, ixit: null });
  });

  it("prints the supplier's ICS rows with their catalogue status and conditions, and the IXIT tables in table order", () => {
    const { ics, ixit } = reportWith({ profile: lab }).customerSupplied;
    expect(ics!.map((row) => row.provision)).to.deep.equal(lab.ics!.map((row) => row.provision));
    expect(ics!.find((row) => row.provision === '5.13-1')).to.deep.equal({
      provision: '5.13-1',
      icsStatus: 'M',
      conditions: [],
      support: 'Y',
      detail: 'InpVal-2.',
    });
    expect(ics!.find((row) => row.provision === '6-4')).to.deep.include({
      icsStatus: 'R C',
      conditions: [{ id: '6', text: 'telemetry data is collected' }],
      support: 'N/A',
    });
    expect(ics!.find((row) => row.provision === '5.8-1')).to.not.have.property('detail');
    expect(ixit!.declared).to.deep.equal({ ttlCapSeconds: 86400 });
    expect(ixit!.tables.map((t) => t.table)).to.deep.equal([
      '11-ComMech',
      '12-NetSecImpl',
      '15-Intf',
      '23-ResMech',
      '29-InpVal',
    ]);
    expect(ixit!.tables[0]!.entries[0]).to.deep.include({ id: 'ComMech-3', transports: ['udp', 'tcp', 'dot'] });
  });

  it("lists every clause left to the lab with the profile's verdict or none, and the operators' clauses as not the device's", () => {
    const catalogues = loadCatalogues();
    const report = reportWith({ profile: lab });
    const leftToLab = [...catalogues.draft.clauses, ...catalogues.etsi.provisions]
      .filter((c) => c.labAssessment === true)
      .map((c) => c.id);
    expect(report.labAssessments.map((a) => a.clause)).to.deep.equal(leftToLab);
    expect(leftToLab).to.include.members(['IOTDNS-M-SIGN-1', 'IOTDNS-M-DOC-1', '5.3-9', '6-5']);
    const docs = report.labAssessments.find((a) => a.clause === 'IOTDNS-M-DOC-1')!;
    expect(docs).to.deep.include({ source: 'draft', reference: `${DRAFT}-04 (section not confirmed)` });
    expect(docs.assessment).to.deep.equal({
      verdict: 'PASS',
      justification: lab.labAssessments![1]!.justification,
      documents: ['ACME name list v1.2'],
    });
    expect(report.labAssessments.find((a) => a.clause === 'IOTDNS-M-SIGN-1')!.assessment).to.include({
      verdict: 'NOT_ASSESSED',
    });
    const unassessed = report.labAssessments.find((a) => a.clause === '5.3-9')!;
    expect(unassessed).to.deep.include({
      source: 'etsi',
      reference: 'ETSI EN 303 645 V2.1.1 5.3-9 (ICS R C)',
      assessment: null,
    });
    expect(unassessed.reason).to.match(/no update experiment/);
    expect(report.notDeviceRequirements.map((r) => r.clause)).to.deep.equal([
      'IOTDNS-O-PROV-1',
      'IOTDNS-O-RES-1',
      'IOTDNS-O-MON-1',
      'IOTDNS-O-POL-1',
    ]);
    for (const row of report.notDeviceRequirements) expect(row.reason, row.clause).to.match(/operator duty/i);
  });

  it('does not count a lab FAIL towards the overall verdict', () => {
    const failing: Profile = {
      ...lab,
      labAssessments: [{ clause: 'IOTDNS-M-SIGN-1', verdict: 'FAIL', justification: 'The zones are not signed.' }],
    };
    const report = reportWith({ profile: failing, results: [citing('a', {})] });
    expect(report.labAssessments.find((a) => a.clause === 'IOTDNS-M-SIGN-1')!.assessment!.verdict).to.equal('FAIL');
    expect(report.overall.verdict).to.equal('CONFORMANT');
    expect(report.overall.decisionRule).to.match(/Laboratory assessments .* do not count/);
  });
});
