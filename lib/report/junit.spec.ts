import { expect } from 'chai';
import { XMLValidator } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../checks/check-types.ts';
import { finaliseRun } from './finalise-run.ts';
import { expectCountsOf, parseJUnit } from './fixtures/junit-parse.ts';
import { removeTempDirs, sampleReportInput, sampleRunWithKeys, tempDir } from './fixtures/sample-run.ts';
import { junitXml, writeJUnit, xmlEscape } from './junit.ts';
import type { Report } from './report-types.ts';

describe('report/junit', () => {
  after(removeTempDirs);

  const verdicts: Verdict[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT_APPLICABLE', 'ERROR', 'INFO', 'FAIL'];

  async function sampleReport(): Promise<{ report: Report; runDir: string }> {
    const { runDir, keyDir } = sampleRunWithKeys();
    const input = sampleReportInput(runDir, verdicts);
    // Text a report may well carry: markup, quotes, line breaks, and a control character XML 1.0 cannot hold.
    input.results[1]!.observed = 'IDs <1> & "2" \'3\'\nthen ]]> and \u0007bell';
    return { report: (await finaliseRun(runDir, input, keyDir)).report, runDir };
  }

  it('is well-formed, one testcase per check, FAIL a failure, ERROR an error, INCONCLUSIVE/NOT_APPLICABLE skipped with the reason', async () => {
    expect(XMLValidator.validate('<a><b></a>'), 'the validator itself').to.not.equal(true);
    const { report } = await sampleReport();
    const parsed = parseJUnit(junitXml(report));
    expectCountsOf(report, parsed);
    expect(parsed.suites).to.include({ tests: '7', failures: '2', errors: '1', skipped: '2', time: '10' });
    const [pass, fail, inconclusive, notApplicable, error, info] = parsed.cases;
    expect(pass!.classname).to.equal('dnsconform.paper');
    expect(pass!.name).to.equal('paper/rec-3/sample-0: Sample check paper/rec-3/sample-0');
    expect(pass!['system-out']).to.match(/^Verdict: PASS\nRequirement: /);
    expect(fail!.failure!.type).to.equal('FAIL');
    expect(fail!.failure!.message).to.equal('IDs <1> & "2" \'3\'\nthen ]]> and \uFFFDbell');
    expect(fail!.failure!['#text'])
      .to.match(/Expected: random 16-bit transaction IDs\nObserved: IDs <1>/)
      .and.match(/Evidence: events\.ndjson events 4, 5, 8: the queries/);
    expect(inconclusive!.skipped!.message).to.equal('INCONCLUSIVE: IDs 1, 2, 3: a counter');
    expect(notApplicable!.skipped!.message).to.match(/^NOT_APPLICABLE: /);
    expect(error!.error!.message).to.equal('capture process exited early');
    expect(info!.failure ?? info!.error ?? info!.skipped).to.equal(undefined);
  });

  it('escapes attributes so line breaks survive, and replaces what XML cannot hold', () => {
    expect(xmlEscape('a\n"b"\t<c>', true)).to.equal('a&#10;&quot;b&quot;&#9;&lt;c&gt;');
    expect(xmlEscape('x\u0000y\uFFFEz\u{1F600}')).to.equal('x\uFFFDy\uFFFDz\u{1F600}');
  });

  it('writeJUnit writes junit.xml into the run directory, never over one', async () => {
    const { report } = await sampleReport();
    const dir = tempDir('junit');
    const file = writeJUnit(dir, report);
    expect(file).to.equal(join(dir, 'junit.xml'));
    expectCountsOf(report, parseJUnit(readFileSync(file, 'utf8')));
    expect(() => writeJUnit(dir, report)).to.throw(/EEXIST/);
  });
});
