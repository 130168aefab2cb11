import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Verdict } from '../checks/check-types.ts';
import { buildReport, harnessInfo, isoFromMicroseconds } from './build-report.ts';
import type { ReportInput } from './build-report.ts';
import { sampleReportInput, sampleResults, removeTempDirs, tempDir, writeSampleRun } from './fixtures/sample-run.ts';
import { ReportValidationError, validateReport } from './validate-report.ts';
import schema from './report.schema.json' with { type: 'json' };

function sampleInput(verdicts?: Verdict[]): ReportInput {
  const runDir = tempDir('report');
  writeSampleRun(runDir);
  return {
    ...sampleReportInput(runDir, verdicts),
    evidenceFiles: [
      { file: 'events.ndjson', sha256: 'e'.repeat(64), bytes: 2048 },
      { file: 'profile.yaml', sha256: sampleReportInput(runDir).profileSha256, bytes: 30 },
    ],
  };
}

function rejection(value: unknown): ReportValidationError {
  try {
    validateReport(value);
  } catch (error) {
    expect(error).to.be.instanceOf(ReportValidationError);
    return error as ReportValidationError;
  }
  expect.fail('the report was accepted');
}

describe('buildReport / validateReport', () => {
  after(removeTempDirs);

  it('states the clock resolution and the time limits of a rule with time parameters, and only there', () => {
    const input = sampleInput(['PASS', 'FAIL']);
    input.results[1] = {
      ...input.results[1]!,
      decisionRule: {
        text: 'FAIL when a query follows within the TTL less the grace.',
        parameters: { graceSeconds: 1, minQueries: 3 },
      },
    };
    const report = validateReport(buildReport({ ...input, clockResolutionMicros: 1 }));
    expect(report.results[0]!.timing).to.equal(undefined);
    expect(report.results[1]!.timing).to.deep.include({ clockResolutionMicros: 1, limits: { graceSeconds: 1 } });
    expect(report.results[1]!.timing!.statement).to.match(/resolution of 1 µs.*graceSeconds = 1/);
    expect(buildReport(input).results[1]!.timing, 'no resolution given, none stated').to.equal(undefined);
  });

  it('builds a report from a realistic run that validates against the published schema', () => {
    const report = validateReport(buildReport(sampleInput(['PASS', 'FAIL', 'INFO'])));
    expect(report.schemaVersion).to.equal('1.3.0');
    expect(report.scope).to.deep.include({
      mode: 'run',
      checks: null,
      available: 3,
      selected: 3,
      judged: 3,
      complete: true,
      statement: 'All 3 checks of the suites judged.',
    });
    expect(report.runId).to.equal('run-20251124-cam-1');
    expect(report.dut).to.deep.equal(sampleInput().profile.dut);
    expect(report.device).to.deep.equal({ kind: 'simulated' });
    expect(report.profile.file).to.equal('profile.yaml');
    expect(report.observation.phases.map((p) => [p.name, p.scenario, p.endReason])).to.deep.equal([
      ['baseline', '', 'window elapsed'],
      ['ttl-0', 'ttl(0)', 'window elapsed'],
    ]);
    expect(report.observation.phases[1]!.start).to.equal('2025-11-24T16:00:05.000001Z');
    expect(report.summary).to.deep.equal({ PASS: 1, FAIL: 1, INCONCLUSIVE: 0, NOT_APPLICABLE: 0, ERROR: 0, INFO: 1 });
    expect(report.overall.verdict).to.equal('NOT_CONFORMANT');
    expect(report.overall.decisionRule).to.match(/NOT_CONFORMANT if any check result is FAIL/);
    expect(report.citations.notes.join(' '))
      .to.match(/V2\.1\.1/)
      .and.match(/V3\.1\.3/);
    expect(report.citations.draftMapping.status).to.equal('provisional');
    expect(report.results[0]!.figures).to.deep.equal(sampleResults(['PASS'])[0]!.figures);
  });

  it('publishes a draft 2020-12 schema with a stable $id', () => {
    expect(schema.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).to.equal('https://dnsconform.example/schemas/report-1.json');
  });

  const cases: [Verdict[], string][] = [
    [['PASS', 'INFO', 'NOT_APPLICABLE'], 'CONFORMANT'],
    [['PASS', 'INCONCLUSIVE'], 'INCOMPLETE'],
    [['PASS', 'ERROR'], 'INCOMPLETE'],
    [['INCONCLUSIVE', 'FAIL', 'ERROR'], 'NOT_CONFORMANT'],
    [['INFO', 'NOT_APPLICABLE'], 'INCOMPLETE'],
    [[], 'INCOMPLETE'],
  ];
  for (const [verdicts, overall] of cases) {
    it(`states ${overall} for ${verdicts.join(', ')}`, () => {
      expect(validateReport(buildReport(sampleInput(verdicts))).overall.verdict).to.equal(overall);
    });
  }

  it('does not count a MAY check: its FAIL is reported, the statement follows the others', () => {
    const input = sampleInput(['PASS', 'FAIL']);
    input.results[1] = { ...input.results[1]!, keyword: 'MAY' };
    const report = validateReport(buildReport(input));
    expect(report.results[1]!.verdict).to.equal('FAIL');
    expect(report.overall.verdict).to.equal('CONFORMANT');
    expect(report.overall.decisionRule).to.match(/keyword is MAY/);
    // The validator applies the same rule: a report claiming the MAY FAIL counted is refused.
    expect(() => validateReport({ ...report, overall: { ...report.overall, verdict: 'NOT_CONFORMANT' } })).to.throw(
      /decision rule gives CONFORMANT/,
    );
  });

  it('states a partial scope on its face and is never CONFORMANT on it: --checks, checks not assessed, imported captures', () => {
    const subset = sampleInput(['PASS', 'INFO']);
    const picked = validateReport(
      buildReport({ ...subset, scope: { mode: 'run', checks: 'randomness', plan: null, available: 24 } }),
    );
    expect(picked.overall.verdict).to.equal('INCOMPLETE');
    expect(picked.scope).to.deep.include({ selected: 2, judged: 2, complete: false });
    expect(picked.scope!.statement).to.equal(
      '2 of 24 checks judged: 22 left out by --checks randomness. The overall verdict cannot be CONFORMANT on a partial scope.',
    );
    // The validator holds a report to the same rule: claiming CONFORMANT on a subset, or a complete scope, is refused.
    expect(
      rejection({ ...picked, overall: { ...picked.overall, verdict: 'CONFORMANT' } }).problems.map((p) => p.pointer),
    ).to.deep.equal(['/overall/verdict']);
    expect(
      rejection({ ...picked, scope: { ...picked.scope!, complete: true } }).problems.map((p) => p.pointer),
    ).to.deep.equal(['/scope/complete']);

    const unassessed = sampleInput(['PASS', 'INCONCLUSIVE']);
    unassessed.results[1] = {
      ...unassessed.results[1]!,
      observed: 'Not assessed: this run had 0 phases of the experiments the check needs (ttl-0).',
      notAssessed: { reason: 'this run had 0 phases of the experiments the check needs (ttl-0).' },
    };
    const planned = validateReport(
      buildReport({ ...unassessed, scope: { mode: 'run', checks: null, plan: 'quick', available: 2 } }),
    );
    expect(planned.scope!.statement).to.equal(
      '1 of 2 checks judged: 1 not assessed (no phase of their experiments ran for this DUT in plan quick; each result says why). The overall verdict cannot be CONFORMANT on a partial scope.',
    );
    const passive = validateReport(
      buildReport({ ...unassessed, scope: { mode: 'analyze', checks: null, plan: null, available: 2 } }),
    );
    expect(passive.scope!.statement).to.match(
      /^1 of 2 checks judged: 1 not assessed \(an imported capture judges the passive checks only\)/,
    );
    expect(passive.overall.verdict).to.equal('INCOMPLETE');
  });

  it('keeps only the fields the schema defines, so extra runtime fields cannot break validation', () => {
    const input = sampleInput(['PASS']);
    const withExtra = { ...input, results: [{ ...input.results[0]!, durationMs: 12 }] };
    const report = validateReport(buildReport(withExtra));
    expect(report.results[0]).to.not.have.property('durationMs');
  });

  it('rejects an unknown verdict with its JSON pointer', () => {
    const report = structuredClone(buildReport(sampleInput(['PASS', 'FAIL']))) as unknown as {
      results: { verdict: string }[];
    };
    report.results[1]!.verdict = 'MAYBE';
    const error = rejection(report);
    expect(error.problems.map((p) => p.pointer)).to.include('/results/1/verdict');
    expect(error.message).to.contain('/results/1/verdict');
  });

  it('rejects a missing field and an unknown one, naming both', () => {
    const report = structuredClone(buildReport(sampleInput())) as unknown as Record<string, unknown>;
    delete report.runId;
    report['extra/field'] = 1;
    const pointers = rejection(report).problems.map((p) => p.pointer);
    expect(pointers).to.include('/runId');
    expect(pointers).to.include('/extra~1field');
  });

  it('rejects a summary or overall verdict that does not follow from the results', () => {
    const report = buildReport(sampleInput(['PASS', 'FAIL']));
    const error = rejection({
      ...report,
      summary: { ...report.summary, FAIL: 0 },
      overall: { ...report.overall, verdict: 'CONFORMANT' },
    });
    expect(error.problems.map((p) => p.pointer)).to.deep.equal(['/summary/FAIL', '/overall/verdict']);
  });

  it('rejects an ERROR result without the harness fault, and evidence refs to files not in evidenceFiles', () => {
    const report = buildReport(sampleInput(['ERROR']));
    const { error: _dropped, ...noError } = report.results[0]!;
    expect(rejection({ ...report, results: [noError] }).problems.map((p) => p.pointer)).to.include('/results/0/error');
    const elsewhere = {
      ...report.results[0]!,
      evidence: [{ kind: 'events', file: 'other.ndjson', seqs: [1], count: 1, note: '' }],
    };
    expect(rejection({ ...report, results: [elsewhere] }).problems.map((p) => p.pointer)).to.deep.equal([
      '/results/0/evidence/0/file',
    ]);
  });

  it('rejects evidence file paths that leave the run directory', () => {
    const report = buildReport(sampleInput());
    const bad = {
      ...report,
      evidenceFiles: [...report.evidenceFiles, { file: '../secret', sha256: 'a'.repeat(64), bytes: 1 }],
    };
    expect(rejection(bad).problems.map((p) => p.pointer)).to.include('/evidenceFiles/2/file');
  });
});

describe('isoFromMicroseconds', () => {
  it('keeps microseconds', () => {
    expect(isoFromMicroseconds(1_764_000_000_123_456)).to.equal('2025-11-24T16:00:00.123456Z');
    expect(isoFromMicroseconds(1_764_000_000_000_007)).to.equal('2025-11-24T16:00:00.000007Z');
  });
});

describe('harnessInfo', () => {
  it('reports the package version and the checkout commit', () => {
    const info = harnessInfo();
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(info.version).to.equal(pkg.version);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: new URL('.', import.meta.url),
      encoding: 'utf8',
    }).trim();
    expect(info.gitCommit).to.equal(head);
    expect(info.dirty).to.be.a('boolean');
  });
});
