import { expect } from 'chai';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { loadCatalogues } from '../../catalogue/load-catalogues.ts';
import { loadProfile } from '../../profile/load-profile.ts';
import { buildReport } from '../build-report.ts';
import { editedCatalogues, verifyDraftClauses } from '../fixtures/catalogue-copy.ts';
import { removeTempDirs, sampleReportInput, tempDir, writeSampleRun } from '../fixtures/sample-run.ts';
import type { Report } from '../report-types.ts';
import { renderReportHtml } from './render-html.ts';

const escape = (text: string) => Handlebars.Utils.escapeExpression(text);
const LAB_EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'profiles', 'lab-example.yaml');

/** The sample run's report, with the lab example's ICS, IXIT and assessments when `lab`. */
function report(opts: { cataloguesDir?: string; lab?: boolean }): Report {
  const runDir = tempDir('html-trace');
  writeSampleRun(runDir);
  const input = sampleReportInput(runDir, ['PASS', 'FAIL']);
  return buildReport({
    ...input,
    ...(opts.lab ? { profile: loadProfile(LAB_EXAMPLE).profile } : {}),
    ...(opts.cataloguesDir ? { catalogues: loadCatalogues(opts.cataloguesDir) } : {}),
    evidenceFiles: [],
  });
}

/** The HTML of one `<section id="…">`. */
function section(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  expect(match, `section ${id}`).to.not.equal(null);
  return match![1]!;
}

describe('report/html: traceability, ICS/IXIT and lab assessments', () => {
  after(removeTempDirs);

  it('prints the provisional clause mapping notice on the summary and beside the traceability table, and marks each draft clause provisional', () => {
    const provisional = report({});
    const html = renderReportHtml(provisional, []);
    const notice = escape(provisional.citations.draftMapping.statement);
    expect(notice).to.contain('Provisional clause mapping: the draft&#x27;s text was not available');
    expect(section(html, 'summary')).to.contain(
      `<div class="notice provisional-mapping"><strong>${notice}</strong></div>`,
    );
    expect(section(html, 'traceability')).to.contain(notice);
    const check = /<div class="check" id="check-1">[\s\S]*?<\/table>/.exec(html)![0];
    expect(check).to.contain(
      '<code>IOTDNS-D-RND-1</code> MUST · draft-ietf-iotops-iot-dns-guidelines-04 (section not confirmed) · <strong>provisional</strong>',
    );
  });

  it('prints no notice once every cited clause is verified, and cites each with its section', () => {
    const verified = report({ cataloguesDir: editedCatalogues({ draft: verifyDraftClauses() }) });
    const html = renderReportHtml(verified, []);
    const { reference } = verified.results[0]!.traceability.draft[0]!;
    expect(reference).to.match(/^draft-ietf-iotops-iot-dns-guidelines-04 §4\.\d+$/);
    expect(html).to.not.contain('notice provisional-mapping');
    expect(html).to.not.match(/provisional/i);
    expect(html).to.contain(`<code>IOTDNS-D-RND-1</code> MUST · ${reference}</div>`);
    expect(section(html, 'annex-c')).to.contain(escape(verified.citations.draftMapping.statement));
  });

  it("shows per check the ICS status, the TS 103 701 functional test case the verdict is evidence for, the lab's conceptual case and the IXIT tables", () => {
    const html = renderReportHtml(report({}), []);
    const row = /<tr>\s*<td class="num">1<\/td>[\s\S]*?<\/tr>/.exec(section(html, 'traceability'))![0];
    expect(row).to.contain('5.13-1 (M)').and.contain('5.13-1-2');
    // The old shortcut printed the provision number again as its "TS 103 701 group".
    expect(row.match(/5\.13-1(?!-)/g)).to.have.length(1);
    const check = /<div class="check" id="check-1">[\s\S]*?<h4>/.exec(html)![0];
    expect(check)
      .to.contain('<code>5.13-1</code> ICS M · test group 5.13-1:')
      .and.contain('functional evidence for 5.13-1-2')
      .and.contain("conceptual 5.13-1-1 is the lab's · IXIT 29-InpVal, 11-ComMech");
  });

  it('says ICS and IXIT were not supplied when the profile has none', () => {
    const part = section(renderReportHtml(report({}), []), 'customer-supplied');
    expect(part).to.contain('supplied by the customer').and.contain('ISO/IEC 17025 §7.8.2.2');
    expect(part).to.contain('<p>ICS: not supplied.</p>').and.contain('<p>IXIT: not supplied.</p>');
  });

  it("prints the supplier's ICS rows with their status, and every IXIT entry under its table", () => {
    const lab = report({ lab: true });
    const part = section(renderReportHtml(lab, []), 'customer-supplied');
    expect(part).to.not.contain('not supplied');
    for (const row of lab.customerSupplied.ics!)
      expect(part).to.contain(`<tr><td>${row.provision}</td><td>${row.icsStatus}</td><td>${escape(row.support)}</td>`);
    expect(part).to.contain('condition 6: telemetry data is collected');
    expect(part).to.contain(
      '<tr><td>11-ComMech</td><td>ComMech-3</td><td>DNS stub resolver<div class="small">transports: udp, tcp, dot</div>',
    );
    expect(part).to.contain('is 86400 s');
  });

  it('lists the lab\'s assessments apart, "not assessed" where the profile has none, and the operators\' clauses as not device requirements', () => {
    const lab = report({ lab: true });
    const part = section(renderReportHtml(lab, []), 'lab-assessments');
    expect(part).to.contain('do not count towards the overall verdict');
    const rows = [...part.matchAll(/<tr>\s*<td><code>([^<]+)<\/code>[\s\S]*?<\/tr>/g)].map(
      (m) => [m[1], m[0]] as const,
    );
    expect(rows.map(([clause]) => clause)).to.deep.equal([
      ...lab.labAssessments.map((a) => a.clause),
      ...lab.notDeviceRequirements.map((r) => r.clause),
    ]);
    const row = (clause: string) => rows.find(([c]) => c === clause)![1];
    expect(row('IOTDNS-M-DOC-1'))
      .to.contain('<span class="verdict lab pass">PASS</span>')
      .and.contain('Documents: ACME name list v1.2');
    expect(row('IOTDNS-M-SIGN-1'))
      .to.contain('<span class="verdict lab not-assessed">NOT ASSESSED</span>')
      .and.contain('not yet sent its zone-signing policy');
    expect(row('5.3-9'))
      .to.contain('<td class="muted">not assessed</td>')
      .and.contain('The profile records no assessment')
      .and.not.contain('class="verdict');
    expect(row('IOTDNS-O-MON-1')).to.contain('Not a device requirement. An operator duty');
  });
});
