// Mocha's spec output, then one closing line CI can read: "N passed, N failed".
// CommonJS because mocha loads reporters with require().
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      if (s.pending > 0) console.log(`${s.pending} skipped`);
      console.log(`${s.passes} passed, ${s.failures} failed`);
    });
  }
}
module.exports = SummaryReporter;
