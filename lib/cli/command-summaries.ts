/**
 * Each command's line in `dnsconform --help`. The root help is printed from this table
 * without importing the command modules: together they take seconds of CPU to load (vega,
 * puppeteer, the schema compilers), which `--help` should not pay. The commands take their
 * descriptions from here; main.spec.ts holds each term equal to what its command builds.
 */

/** A command's usage term (name, options, arguments) and one-line description. */
export interface CommandSummary {
  term: string;
  description: string;
}

/** The commands, in help order. */
export const COMMAND_SUMMARIES = {
  demo: {
    term: 'demo [options]',
    description: 'certify the built-in well- and badly-behaved simulated devices on loopback',
  },
  run: {
    term: 'run [options]',
    description: 'observe one or more devices under test together, judge each, and write a signed report for each',
  },
  analyze: {
    term: 'analyze [options] <capture...>',
    description: 'judge one device from pcap/pcapng captures (pooled in time order) and write a signed report',
  },
  finalise: {
    term: 'finalise [options] <run-dir>',
    description:
      'judge and seal a run that was interrupted (killed, power lost) from the evidence it recorded; its report says so',
  },
  list: {
    term: 'list [options]',
    description:
      'list the checks and the scenario primitives; --coverage: every catalogue clause and the checks covering it',
  },
  lint: {
    term: 'lint [options]',
    description:
      'check the suites: metadata, unique ids, cited clauses exist, every clause covered or explained, pass and fail fixtures',
  },
  verify: {
    term: 'verify [options] <bundle|run-dir>',
    description:
      'check the signatures, attestation and SHA-256 digests of a finalised run directory or its .tar.gz bundle',
  },
  report: {
    term: 'report [options] <run-dir>',
    description: 'make report.html and the signed report.pdf of a finished run from its report.json',
  },
  bundle: {
    term: 'bundle [options] <run-dir>',
    description:
      'pack a finalised run directory into <run-id>.tar.gz (sorted, fixed times and owners, no private keys)',
  },
  junit: {
    term: 'junit [options] <run-dir>',
    description:
      'write the checks of a run as JUnit XML (FAIL: failure, ERROR: error, INCONCLUSIVE/NOT_APPLICABLE: skipped)',
  },
  keys: { term: 'keys', description: 'manage the lab signing keys' },
  diff: {
    term: 'diff [options] <a> <b>',
    description:
      'firmware regression: what changed from run A to run B (directories or bundles, both verified first); exit 1 when B regresses',
  },
  allowlist: {
    term: 'allowlist [options] <run...>',
    description:
      'the names a device resolved in verified runs: names.json, a MUD file (RFC 8520), an RPZ zone allowing only them, a plain list',
  },
  serve: {
    term: 'serve [options]',
    description:
      'the lab console on loopback: the runs, one run live, finished runs with their documents, bundles and verify result, the fleet (needs its token)',
  },
  worker: {
    term: 'worker [options]',
    description: "a bench: take queued runs for this bench's profiles from Redis, run them, store the signed bundles",
  },
  submit: {
    term: 'submit [options]',
    description: "queue a run of a profile under a plan on the lab's Redis, for any bench serving it or one named",
  },
} as const satisfies Record<string, CommandSummary>;
