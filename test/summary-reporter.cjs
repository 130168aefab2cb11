// Mocha's spec output, then one closing line CI can read: "N passed, N failed".
// With DNSCONFORM_TIMING=1 it first lists the spec files by wall time, hooks included (mocha
// itself times only tests, and our end-to-end files spend most of their time in before()).
// CommonJS because mocha loads reporters with require().
'use strict';
const Mocha = require('mocha');
const path = require('node:path');
const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const timing = process.env.DNSCONFORM_TIMING === '1';
    /** Wall time per spec file: a file's top-level suites may begin and end more than once. */
    const perFile = new Map();
    const started = new Map();
    if (timing) {
      runner.on(EVENT_SUITE_BEGIN, (suite) => {
        if (suite.parent?.root && suite.file) started.set(suite, process.hrtime.bigint());
      });
      runner.on(EVENT_SUITE_END, (suite) => {
        const t0 = started.get(suite);
        if (t0 === undefined) return;
        const file = path.relative(process.cwd(), suite.file);
        perFile.set(file, (perFile.get(file) ?? 0) + Number(process.hrtime.bigint() - t0) / 1e9);
      });
    }
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      if (timing) {
        console.log('\nwall time per spec file (s):');
        for (const [file, seconds] of [...perFile].sort((a, b) => b[1] - a[1]))
          console.log(`${seconds.toFixed(1).padStart(7)}  ${file}`);
      }
      if (s.pending > 0) console.log(`${s.pending} skipped`);
      console.log(`${s.passes} passed, ${s.failures} failed`);
    });
  }
}
module.exports = SummaryReporter;
