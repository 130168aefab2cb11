import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Evidence } from '../evidence/evidence.ts';
import { parseEvents } from '../evidence/load-evidence.ts';
import { FIXTURE_DUT } from '../../suites/fixture-events.ts';
import { renderFigures, writeFigures } from './index.ts';
import { FIGURE_WIDTH_PX } from './render.ts';
import {
  answerA,
  assertWellFormedSvg,
  expectNoQueriesNotice,
  fixtureEvidence,
  titlePlacement,
} from './svg-test-kit.ts';

/** A DUT with a bit of everything: two names, a fixed port, a counter, a premature re-query and a late one. */
const evidence = () =>
  fixtureEvidence(120, [
    { at: 1, port: 4096, txid: 1, answer: answerA(30) },
    { at: 2, port: 4096, txid: 2, answer: answerA(30) },
    { at: 40, port: 4096, txid: 3, answer: answerA(30) },
    { at: 50, port: 4096, txid: 4, name: 'time.example', answer: answerA(5, 'time.example') },
  ]);
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('figures/writeFigures', () => {
  const dirs: string[] = [];
  const runDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsconform-figures-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('writes the four SVGs into figures/ and returns their relative paths, titles and captions', async () => {
    const dir = runDir();
    const files = await writeFigures(dir, evidence(), FIXTURE_DUT);
    expect(files.map((f) => f.file)).to.deep.equal([
      'figures/source-ports.svg',
      'figures/txids.svg',
      'figures/query-timeline.svg',
      'figures/requery-vs-ttl.svg',
    ]);
    expect(readdirSync(join(dir, 'figures')).sort()).to.deep.equal([
      'query-timeline.svg',
      'requery-vs-ttl.svg',
      'source-ports.svg',
      'txids.svg',
    ]);
    expect(files.map((f) => f.caption)).to.deep.equal([
      '4 UDP queries, σ 0.0 (POOR), 1 distinct source port, most used port 4096 on 100%, 0% sequential steps',
      '4 UDP queries, σ 1.1 (POOR), 4 distinct transaction IDs, 100% sequential steps',
      '4 queries for 2 names over 120.0 s, 2.0 per minute: 4 answered, 0 with an error code, 0 not answered',
      '2 re-queries for 1 (name, type) pair in the baseline experiment, 1 premature; 2 of 4 answers with a TTL of at least 2 s not asked about again before the evidence ended (not drawn)',
    ]);
    for (const f of files) {
      const svg = readFileSync(join(dir, f.file), 'utf8');
      assertWellFormedSvg(svg);
      expect(svg).to.include(f.title);
    }
  });

  it('writes byte-identical SVGs for the same evidence, whatever was rendered before', async () => {
    const first = runDir();
    const second = runDir();
    const files = await writeFigures(first, evidence(), FIXTURE_DUT);
    // Render something else in between: Vega numbers clip paths from a process-wide counter.
    await renderFigures(fixtureEvidence(60, [{ at: 1 }, { at: 2 }]), FIXTURE_DUT);
    // The same evidence as read back from events.ndjson, not the same objects.
    const reread = new Evidence(
      parseEvents(
        evidence()
          .events.map((e) => JSON.stringify(e))
          .join('\n'),
        'events.ndjson',
      ),
    );
    await writeFigures(second, reread, FIXTURE_DUT);
    const requery = readFileSync(join(first, 'figures/requery-vs-ttl.svg'), 'utf8');
    expect(requery).to.include('<clipPath id="clip1">');
    for (const f of files) {
      expect(sha256(readFileSync(join(second, f.file))), f.file).to.equal(sha256(readFileSync(join(first, f.file))));
    }
  });

  it('keeps every figure 170 mm (640 px) wide with its title on the page, with data or without', async () => {
    const longId = 'a-device-with-a-rather-long-identifier-from-its-profile';
    for (const [evidenceOf, dut] of [
      [evidence(), FIXTURE_DUT],
      [new Evidence([]), FIXTURE_DUT],
      [new Evidence([]), longId],
    ] as const) {
      for (const figure of await renderFigures(evidenceOf, dut)) {
        const { titleX, width } = titlePlacement(figure.svg);
        expect(width, figure.id).to.equal(FIGURE_WIDTH_PX);
        expect(titleX, figure.id).to.be.at.least(0);
      }
    }
  });

  it('says "no queries" in every figure of a DUT that sent none, rather than leave one out', async () => {
    const dir = runDir();
    const files = await writeFigures(dir, new Evidence([]), 'silent-dut');
    expect(files).to.have.length(4);
    for (const f of files)
      expectNoQueriesNotice({ ...f, svg: readFileSync(join(dir, f.file), 'utf8') }, 'silent-dut', 'none');
  });
});
