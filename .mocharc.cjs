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
  timeout: 20000,
};
