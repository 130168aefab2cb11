/**
 * Evidence a reader can open (issue 16 item 3), on the shared demo's runs (test/demo-run-test-kit.ts,
 * no run of its own): every FAIL cites capture frames beside its events, and the display
 * filter it cites, run in `tshark -r capture.pcapng -Y FILTER`, prints exactly the cited
 * frames; the phase boundaries are packet comments of the capture. Waits on the demo (its
 * hook limit), then on one tshark per FAIL, two at a time.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PHASE_COMMENT_PREFIX } from '../lib/capture/phase-comments.ts';
import type { EvidenceRef } from '../lib/checks/check-types.ts';
import { DEMO_TIMEOUT_MS, demoRun } from './demo-run-test-kit.ts';
import type { DemoRun } from './demo-run-test-kit.ts';

const run = promisify(execFile);

/** The frame numbers `tshark -r FILE -Y FILTER` prints. */
async function tsharkFrames(file: string, filter: string): Promise<number[]> {
  const { stdout } = await run('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
    maxBuffer: 16 << 20,
  });
  return stdout.split('\n').filter(Boolean).map(Number);
}

/** Runs `jobs` at most `width` at a time (the machine has two cores, shared). */
async function inBatches<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += width)
    results.push(...(await Promise.all(jobs.slice(i, i + width).map((job) => job()))));
  return results;
}

type CitedRef = Extract<EvidenceRef, { kind: 'events' }>;

describe('frame citations in the demo reports (tshark on the demo captures)', function () {
  this.timeout(DEMO_TIMEOUT_MS);
  let demo: DemoRun;

  before(async () => {
    demo = await demoRun();
    expect(demo.runs.size, demo.output).to.equal(2);
  });

  it('every FAIL cites frames, and its display filter selects exactly those frames in tshark', async () => {
    const jobs: (() => Promise<{ what: string; cited: number[]; printed: number[]; filter: string }>)[] = [];
    for (const [dut, { dir, report }] of demo.runs) {
      for (const result of report.results.filter((r) => r.verdict === 'FAIL')) {
        const ref = result.evidence.find(
          (e): e is CitedRef => e.kind === 'events' && (e.capture?.frames.length ?? 0) > 0,
        );
        expect(ref, `${dut} ${result.check} cites no capture frame: ${JSON.stringify(result.evidence)}`).to.not.equal(
          undefined,
        );
        const { file, frames, filter } = ref!.capture!;
        jobs.push(async () => ({
          what: `${dut} ${result.check} (${ref!.note})`,
          cited: frames,
          printed: await tsharkFrames(join(dir, file), filter!),
          filter: filter!,
        }));
      }
    }
    expect(jobs.length).to.be.greaterThan(10);
    for (const { what, cited, printed, filter } of await inBatches(jobs, 2))
      expect(printed, `${what}: ${filter}`).to.deep.equal(cited);
  });

  it('marks each phase boundary in the capture with a packet comment naming phase and experiment', async () => {
    for (const [dut, { dir, report }] of demo.runs) {
      const { stdout } = await run(
        'tshark',
        [
          '-r',
          join(dir, 'capture.pcapng'),
          '-Y',
          `frame.comment contains "${PHASE_COMMENT_PREFIX}"`,
          '-T',
          'fields',
          '-e',
          'frame.comment',
        ],
        { maxBuffer: 16 << 20 },
      );
      for (const phase of report.observation.phases)
        expect(stdout, `${dut}: phase ${phase.name}`).to.contain(
          `${PHASE_COMMENT_PREFIX} ${phase.name} begins (experiment `,
        );
    }
  });

  it('shows the frames and the filter beside the events in the HTML report', () => {
    const { dir, report } = demo.runs.get('sim-bad')!;
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const ref = report.results
      .flatMap((r) => r.evidence)
      .find((e): e is CitedRef => e.kind === 'events' && (e.capture?.frames.length ?? 0) > 0)!;
    expect(html).to.contain(`frames ${ref.capture!.frames.join(', ')}`);
    expect(html).to.contain('tshark -r capture.pcapng -Y FILTER');
  });
});
