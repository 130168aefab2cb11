import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCaptures } from './analyze-captures.ts';
import { encodePcap } from '../capture/capture-writer.ts';
import type { PacketRecord } from '../capture/capture-writer.ts';
import { answer, DEVICE_MAC, query, udpFrame } from '../capture/fixtures/dns-capture.ts';
import { LINKTYPE } from '../capture/link-layers.ts';
import { attestFinalisedRun } from '../report/fixtures/attested-run.ts';
import { removeTempDirs, tempDir } from '../report/fixtures/sample-run.ts';
import { CATALOGUES_DIR } from '../catalogue/load-catalogues.ts';
import { editedCatalogues, verifyDraftClauses } from '../report/fixtures/catalogue-copy.ts';
import { formatRejudgeOutcome, RejudgeInputError, rejudgeRun, ruleChanges } from './rejudge.ts';
import type { Report } from '../report/report-types.ts';
import { ensureKeys } from '../report/signing.ts';
import { verifyRun } from '../report/verify-run.ts';

/** Addresses written into the capture file only (loopback and one public resolver, never contacted). */
const DEVICE = '127.0.79.10';
const ASSIGNED = '127.0.79.1';
const T0 = 1_767_225_600_000_000;

/** A device that asks its assigned resolver, and every fourth time Google's public one. */
function traffic(): PacketRecord[] {
  const records: PacketRecord[] = [];
  for (let i = 0; i < 16; i += 1) {
    const t = T0 + i * 2_000_000;
    const server = i % 4 === 3 ? '8.8.8.8' : ASSIGNED;
    const ends = { src: DEVICE, dst: server, srcPort: 20000 + i * 977, dstPort: 53 };
    records.push(udpFrame(t, 'device', ends, query(1000 + i * 4099, `n${i}.rejudge.example`)));
    records.push(
      udpFrame(
        t + 20_000,
        'resolver',
        { src: server, dst: DEVICE, srcPort: 53, dstPort: ends.srcPort },
        answer(1000 + i * 4099, `n${i}.rejudge.example`),
      ),
    );
  }
  return records;
}

describe('report/rejudge', () => {
  after(removeTempDirs);

  it('says how a decision rule changed: each parameter, then the text', () => {
    expect(
      ruleChanges({ text: 'a', parameters: { n: 5, x: 1 } }, { text: 'a', parameters: { n: 5, x: 1 } }),
    ).to.deep.equal([]);
    expect(
      ruleChanges({ text: 'a', parameters: { n: 5, gone: 1 } }, { text: 'b', parameters: { n: 6, added: 2 } }),
    ).to.deep.equal([
      'decision rule parameters changed: added absent → 2, gone 1 → absent, n 5 → 6',
      'decision rule text changed',
    ]);
  });

  it('re-judges an imported-capture run as analyze judged it (passive checks, profile from analysis.json): no differences, citations reproduced unless the catalogues changed', async () => {
    const dir = tempDir('rejudge-analyze');
    const capture = join(dir, 'device.pcap');
    writeFileSync(capture, encodePcap({ linkType: LINKTYPE.ETHERNET }, traffic()));
    const keyDir = join(dir, 'keys');
    ensureKeys(keyDir);
    const { runDir, finalised } = await analyzeCaptures({
      captures: [capture],
      device: [DEVICE_MAC],
      resolvers: [ASSIGNED],
      outDir: join(dir, 'runs'),
      keyDir,
    });
    await attestFinalisedRun(runDir, keyDir);
    const report: Report = finalised.report;
    expect(report.profile.file).to.equal('analysis.json');
    expect(report.results.find((r) => r.check === 'resolver-use/assigned-resolver-only')!.verdict).to.equal('FAIL');
    expect(
      report.results.filter((r) => r.verdict === 'INCONCLUSIVE' && r.observed.startsWith('Not assessed: ')).length,
    ).to.be.greaterThan(0);
    expect(verifyRun(runDir).ok).to.equal(true);

    const outcome = await rejudgeRun(runDir, report);
    expect(outcome.mode).to.equal('analyze');
    expect(outcome.judged).to.equal(report.results.length);
    expect(outcome.differences).to.deep.equal([]);
    // The catalogue-derived fields come out the same from the stored profile and the catalogues the report names.
    expect(outcome.traceability).to.deep.equal([]);
    expect(formatRejudgeOutcome(outcome, 'analysis.json')).to.include(
      `traceability: citations, ICS/IXIT and lab assessments made again from analysis.json and the catalogues in ${CATALOGUES_DIR} equal the signed ones`,
    );

    // The draft's text confirmed since: the signed report stands as issued, and each field it changes is named, with the digests.
    const verified = editedCatalogues({ draft: verifyDraftClauses() });
    const updated = await rejudgeRun(runDir, report, { cataloguesDir: verified });
    expect(updated.differences).to.deep.equal([]);
    const citingDraft = report.results.flatMap((r, i) =>
      r.covers.draft.length > 0 ? [`/results/${i}/traceability`] : [],
    );
    expect(citingDraft).to.not.be.empty;
    expect(updated.traceability.map((c) => c.field)).to.deep.equal([
      '/citations/catalogues/draft',
      ...citingDraft,
      '/citations',
      '/labAssessments',
      '/notDeviceRequirements',
    ]);
    expect(updated.traceability.filter((c) => c.fault)).to.deep.equal([]);
    expect(updated.traceability[0]!.reason).to.match(
      new RegExp(
        `^draft-clauses\\.yaml is not the catalogue the report was built with: sha256 ${report.citations.catalogues.draft.sha256.slice(0, 12)}… signed`,
      ),
    );
    expect(updated.traceability[1]!.reason).to.match(/differ now: the catalogues changed since the report \(draft\)$/);

    // The same catalogues and harness not giving a signed field again is a harness fault.
    const harness = { ...report.harness, dirty: false };
    const altered: Report = { ...structuredClone(report), harness };
    altered.labAssessments[0]!.reason = 'edited after signing';
    const faulty = await rejudgeRun(runDir, altered, { harness });
    expect(faulty.traceability).to.deep.equal([
      {
        field: '/labAssessments',
        fault: true,
        reason:
          'the lab assessments differ now: same catalogues, profile and harness: a harness fault (these fields must be reproducible)',
      },
    ]);
    expect(formatRejudgeOutcome(faulty, 'analysis.json').at(-2)).to.match(
      /^traceability: 1 field of the signed report differs .* \(a harness fault\)$/,
    );

    // A profile file that holds no profile, and evidence that is not evidence, are unusable input.
    const asRun = { ...report, profile: { ...report.profile, file: 'events.ndjson' } };
    let error: unknown;
    await rejudgeRun(runDir, asRun).catch((e: unknown) => {
      error = e;
    });
    expect(error).to.be.instanceOf(RejudgeInputError);
    expect(String(error)).to.match(/events\.ndjson: cannot be used to re-judge/);

    writeFileSync(join(runDir, 'events.ndjson'), '{not json\n');
    error = undefined;
    await rejudgeRun(runDir, report).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.match(/RejudgeInputError: events\.ndjson: cannot be used to re-judge: .*line 1/);
  });
});
