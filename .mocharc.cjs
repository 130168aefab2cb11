// Mocha configuration. The default spec globs apply only when no spec file is named on the
// command line: `npx mocha lib/x.spec.ts` runs that file alone (with a `spec` list in the
// config, mocha would add the named file to every spec instead of running it alone).
const named = process.argv.slice(2).some((arg) => /\.spec\.[cm]?[jt]s$/.test(arg) || arg.endsWith('/'));
module.exports = {
  'node-option': ['import=tsx'],
  // Builds dist/ first when it is stale: specs that start the CLI or a device then run it compiled.
  require: ['./test/build-dist.cjs'],
  ...(named ? {} : { spec: ['lib/**/*.spec.ts', 'suites/**/*.spec.ts', 'test/**/*.spec.ts'] }),
  reporter: './test/summary-reporter.cjs',
  // A hang guard, not a measurement: CPU-bound specs took 20-60 s at load averages of 30-70 on this
  // 2-core machine (several worktrees testing at once); a spec that waits on a run sets its own limit.
  timeout: 180_000,
};
