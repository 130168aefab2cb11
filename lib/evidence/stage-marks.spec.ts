import { expect } from 'chai';
import { keepStageMarks, markStage, stageMarks, stageTimingsLine } from './stage-marks.ts';

describe('stage marks (analyze --timings)', () => {
  it('keeps nothing until a command turns them on, then each stage in order, forgetting earlier ones when turned on again', () => {
    markStage('before');
    expect(stageMarks()).to.deep.equal([]);
    keepStageMarks();
    markStage('read');
    markStage('judged');
    expect(stageMarks().map((m) => m.stage)).to.deep.equal(['read', 'judged']);
    expect(stageMarks()[1]!.at).to.be.at.least(stageMarks()[0]!.at);
    keepStageMarks();
    expect(stageMarks()).to.deep.equal([]);
  });

  it("prints each stage's own length and when it ended, the first counted from the process's start", () => {
    expect(
      stageTimingsLine([
        { stage: 'read', at: 1520 },
        { stage: 'events written', at: 3830 },
      ]),
    ).to.equal('read 1.52 s (1.52) · events written 2.31 s (3.83)');
    expect(stageTimingsLine([])).to.equal('');
  });
});
