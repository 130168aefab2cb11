/**
 * Builds the report model from what a run produced. `buildReport` is pure: it reads no
 * clock, file or process state, so the same input always gives the same report.
 * `harnessInfo` is the one impure helper, kept apart for that reason.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../build/dist-build.ts';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import type { CheckResult } from '../checks/check-types.ts';
import type { Microseconds } from '../evidence/events.ts';
import type { PhaseWindow } from '../evidence/evidence.ts';
import type { DutIdentity, Profile } from '../profile/profile-types.ts';
import { countedVerdicts, countVerdicts, OVERALL_DECISION_RULE, overallVerdict } from './overall-verdict.ts';
import { REPORT_SCHEMA_VERSION } from './report-types.ts';
import { reportScope } from './report-scope.ts';
import type { ScopeSelection } from './report-scope.ts';
import type { ReportIssuer } from './lab-config.ts';
import { TABLE_I_RULE, tableIRow } from './table-i.ts';
import { traceabilityFields } from './traceability.ts';
import type {
  EvidenceFileEntry,
  HarnessInfo,
  Report,
  ReportAnswerSources,
  ReportFigure,
  ReportPhaseNotRun,
  ReportResult,
  ResolverEndpoint,
  ResultTiming,
  ResultTraceability,
} from './report-types.ts';

/** Everything a report is made from. */
export interface ReportInput {
  runId: string;
  /** When observation began, ISO 8601 (see {@link isoFromMicroseconds}). */
  startedAt: string;
  /** When observation ended, ISO 8601. */
  endedAt: string;
  /** Date of issue, ISO 8601; `endedAt` when not given. */
  issuedAt?: string;
  harness: HarnessInfo;
  /** The validated profile the run used. */
  profile: Profile;
  /** Name of the profile copy inside the run directory. */
  profileFile: string;
  /** SHA-256 (hex) of that copy. */
  profileSha256: string;
  /** The sockets the resolver actually listened on. */
  endpoints: ResolverEndpoint[];
  windowSeconds: number;
  /** The phases as the evidence marks them (`Evidence.phases()`). */
  phases: PhaseWindow[];
  /** The phases not run for the DUT (`Evidence.phasesNotRun()`), each with why. */
  phasesNotRun?: ReportPhaseNotRun[];
  results: CheckResult[];
  evidenceFiles: EvidenceFileEntry[];
  /** Charts written into the run directory before it was finalised. */
  figures?: ReportFigure[];
  /** Where the answers came from (`answer-sources.ts`), read from the evidence. */
  answerSources?: ReportAnswerSources;
  /** The clause catalogues the results' citations, the ICS and the lab's assessments are read in. */
  catalogues: Catalogues;
  /** Who issues the report (`lab.yaml` beside the keys), or null/absent when no laboratory is configured. */
  issuer?: ReportIssuer | null;
  /** How to re-run this run's judgement of one check; without it no result carries a reproduction line. */
  reproduction?: Reproduction;
  /** What the run was asked to judge (`--checks`, plan, live or imported): the report states its scope from it. */
  scope: ScopeSelection;
  /** What the report must say about the evidence itself (traffic lost, run interrupted), after the standard statements. */
  evidenceStatements?: string[];
  /** Resolution of the evidence's clock, µs (`clockResolutionMicros`); timing rules state it. Absent: not stated. */
  clockResolutionMicros?: number;
}

/** A decision-rule parameter that is a time: its name ends in its unit. */
const TIME_PARAMETER = /(Seconds|Ms)$/;

/** The timing statement of a result whose rule has time limits, or undefined. */
export function resultTiming(result: CheckResult, clockResolutionMicros: number | undefined): ResultTiming | undefined {
  if (clockResolutionMicros === undefined) return undefined;
  const limits = Object.fromEntries(
    Object.entries(result.decisionRule.parameters).filter(([name]) => TIME_PARAMETER.test(name)),
  );
  const names = Object.keys(limits);
  if (names.length === 0) return undefined;
  const listed = names.map((name) => `${name} = ${limits[name]}`).join(', ');
  return {
    clockResolutionMicros,
    limits,
    statement:
      `Intervals are measured between event times recorded at a resolution of ${clockResolutionMicros} µs ` +
      `(the harness's monotonic clock anchored to the system clock); the rule's time limits and tolerances are ${listed}. ` +
      `An interval within ${clockResolutionMicros} µs of a limit is not resolved by the clock.`,
  };
}

/** The command that re-runs a run, and whether `--checks ID` can narrow it to one check. */
export interface Reproduction {
  /** The command and its arguments (`dnsconform run --profile RUN/profile.yaml --plan quick`). */
  command: string[];
  /** False when the command cannot take `--checks` (a certification plan refuses to leave checks out). */
  perCheck: boolean;
}

/** An argument as a POSIX shell reads it back: bare when it is safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The reproduction line of a result, for FAIL and INCONCLUSIVE only. */
function reproduceLine(result: CheckResult, reproduction: Reproduction | undefined): string | undefined {
  if (reproduction === undefined || (result.verdict !== 'FAIL' && result.verdict !== 'INCONCLUSIVE')) return undefined;
  return [...reproduction.command, ...(reproduction.perCheck ? ['--checks', result.check] : [])]
    .map(shellWord)
    .join(' ');
}

/** Statements ISO/IEC 17025 §7.8 expects a test report to carry. */
const STATEMENTS: string[] = [
  'The results relate only to the item tested, identified under "dut", in the condition it was tested.',
  'The device identity and the conformance statement (ICS/IXIT) in the profile are supplied by the customer.',
  'This report shall not be reproduced except in full; its signature covers report.json exactly as written.',
  'Verdicts of ETSI TS 103 701 test cases other than PASS or FAIL are to be read as "not assessed" with the reason given.',
];

/** Whether the report may be used for certification: only with a laboratory and a customer named. */
export function certification(
  issuer: ReportIssuer | null,
  customer: { name: string } | null,
): { forCertification: boolean; statement: string } {
  const missing = [
    ...(issuer === null
      ? [
          'no laboratory configuration (lab.yaml beside the signing keys) names the laboratory and its authorised signatory',
        ]
      : []),
    ...(customer === null ? ['the profile names no customer (customer:)'] : []),
  ];
  return missing.length === 0
    ? {
        forCertification: true,
        statement: `Issued by ${issuer!.laboratory.name} for ${customer!.name}, authorised by ${issuer!.signatory.name} (${issuer!.signatory.function}).`,
      }
    : { forCertification: false, statement: `Not for certification: ${missing.join('; ')}.` };
}

/** Microseconds since the epoch as ISO 8601 UTC, keeping the microseconds. */
export function isoFromMicroseconds(t: Microseconds): string {
  const ms = Math.floor(t / 1000);
  const micros = Math.floor(t - ms * 1000);
  return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

/** Only the identity fields the report schema defines, so profile extensions cannot break it. */
function dutIdentity(dut: DutIdentity): Report['dut'] {
  const { id, vendor, model, hardware, firmware, serial, mac, addresses, state } = dut;
  return dropUndefined({ id, vendor, model, hardware, firmware, serial, mac, addresses: [...addresses], state });
}

/** Only the result fields the report schema defines, in a stable order, and what its citations mean. */
function reportResult(
  result: CheckResult,
  traceability: ResultTraceability,
  reproduce: string | undefined,
  timing: ResultTiming | undefined,
): ReportResult {
  const {
    check,
    title,
    verdict,
    severity,
    keyword,
    covers,
    requirement,
    decisionRule,
    tableI,
    expected,
    observed,
    figures,
    evidence,
    error,
    settled,
    notAssessed,
  } = result;
  return dropUndefined({
    check,
    title,
    verdict,
    severity,
    keyword,
    covers: { paper: [...covers.paper], draft: [...covers.draft], etsi: [...covers.etsi] },
    requirement,
    decisionRule: { text: decisionRule.text, parameters: { ...decisionRule.parameters } },
    tableI,
    expected,
    observed,
    figures,
    evidence,
    error,
    settled,
    notAssessed: notAssessed && { reason: notAssessed.reason },
    reproduce,
    timing,
    traceability,
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Builds the report; validate it with `validateReport` before writing it. Throws
 * CatalogueCitationError when a result or the profile's ICS cites a clause the catalogues lack.
 */
export function buildReport(input: ReportInput): Report {
  const verdicts = input.results.map((r) => r.verdict);
  const scope = reportScope(input.scope, input.results);
  const traced = traceabilityFields(input.results, input.profile, input.catalogues);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: 'Test Report: DNS behaviour of an IoT device',
    runId: input.runId,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    issuedAt: input.issuedAt ?? input.endedAt,
    harness: { ...input.harness },
    issuer: input.issuer ?? null,
    customer: input.profile.customer
      ? { name: input.profile.customer.name, address: input.profile.customer.address ?? null }
      : null,
    certification: certification(input.issuer ?? null, input.profile.customer ?? null),
    dut: dutIdentity(input.profile.dut),
    device: { kind: input.profile.device.kind },
    profile: { file: input.profileFile, sha256: input.profileSha256 },
    resolver: { endpoints: input.endpoints.map(({ transport, address, port }) => ({ transport, address, port })) },
    observation: {
      windowSeconds: input.windowSeconds,
      phases: input.phases.map((p) => ({
        name: p.name,
        scenario: p.scenario,
        start: isoFromMicroseconds(p.start),
        end: isoFromMicroseconds(p.end),
        endReason: p.endReason,
      })),
      ...(input.phasesNotRun?.length ? { notRun: input.phasesNotRun.map((p) => ({ ...p })) } : {}),
    },
    results: input.results.map((result, i) =>
      reportResult(
        result,
        traced.traceability[i]!,
        reproduceLine(result, input.reproduction),
        resultTiming(result, input.clockResolutionMicros),
      ),
    ),
    summary: countVerdicts(verdicts),
    tableI: { ...tableIRow(input.results), rule: TABLE_I_RULE },
    scope,
    overall: {
      verdict: overallVerdict(countedVerdicts(input.results), scope.complete),
      decisionRule: OVERALL_DECISION_RULE,
    },
    citations: traced.citations,
    customerSupplied: traced.customerSupplied,
    labAssessments: traced.labAssessments,
    notDeviceRequirements: traced.notDeviceRequirements,
    statements: [...STATEMENTS, ...(input.evidenceStatements ?? [])],
    evidenceFiles: input.evidenceFiles.map(({ file, sha256, bytes }) => ({ file, sha256, bytes })),
    ...(input.figures
      ? { figures: input.figures.map(({ id, title, file, caption }) => ({ id, title, file, caption })) }
      : {}),
    ...(input.answerSources ? { answerSources: input.answerSources } : {}),
  };
}

/** The project folder (not dist/, which git ignores): its commit and changes name the build. */
const packageDir = PROJECT_ROOT;

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Which harness build is running: the package version, and the git commit of the
 * package directory with whether it had uncommitted changes (null/false outside git).
 */
export function harnessInfo(): HarnessInfo {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error(`${join(packageDir, 'package.json')}: /version is missing`);
  const gitCommit = git(['rev-parse', 'HEAD']);
  const status = gitCommit === null ? null : git(['status', '--porcelain', '--', '.']);
  return { name: 'dnsconform', version: pkg.version, gitCommit, dirty: status !== null && status !== '' };
}
