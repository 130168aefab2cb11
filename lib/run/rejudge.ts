/**
 * Re-judgement (`verify --rejudge`): every verdict recomputed from a run's stored evidence
 * (events.ndjson and the profile copy) with the current suites, exactly as the run judged
 * it, on the checks it selected (`scope.checks`) (a live run: every check under mocha with the run's profile; an imported capture: the
 * passive checks, the rest not applicable), and compared with the signed report. Each
 * verdict that differs is listed with why: the check's decision rule or metadata changed,
 * the check is new or gone, or the harness that judged differs. The fields read in the clause
 * catalogues (citations, ICS/IXIT, lab assessments) are made again from the stored profile
 * and the catalogues in force, and each that differs is named with why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ANALYSIS_FILE } from './analyze-captures.ts';
import type { CheckResult, DecisionRule, LoadedCheck, Verdict } from '../checks/check-types.ts';
import { discoverChecks, SUITES_DIR } from '../checks/discover.ts';
import { selectChecks } from '../checks/select-checks.ts';
import type { Evidence } from '../evidence/evidence.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { isRunRelativePath } from '../evidence/manifest.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import { loadProfile } from '../profile/load-profile.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { CATALOGUES_DIR, loadCatalogues } from '../catalogue/load-catalogues.ts';
import { harnessInfo } from '../report/build-report.ts';
import { judge } from './judge.ts';
import { traceabilityChanges } from '../report/traceability-changes.ts';
import type { TraceabilityChange } from '../report/traceability-changes.ts';
import type { HarnessInfo, Report } from '../report/report-types.ts';

/** The stored evidence or the suites cannot be used to re-judge: bad input (exit 2). */
export class RejudgeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RejudgeInputError';
  }
}

/** One check whose verdict now is not the signed one. */
export interface VerdictDifference {
  check: string;
  /** The signed verdict, or null when the signed report has no result for the check. */
  signed: Verdict | null;
  /** The verdict now, or null when the current suites have no such check. */
  now: Verdict | null;
  /** Why, one statement each. */
  reasons: string[];
  /** What the check observes now (null when it is gone). */
  observedNow: string | null;
}

/** What re-judging found. */
export interface RejudgeOutcome {
  /** How the run was judged again: `run` (every check, the profile copy) or `analyze` (passive checks, the analysis profile). */
  mode: 'run' | 'analyze';
  /** The run's `--checks` selection, applied again; null when it selected every check. */
  selection: string | null;
  suitesDir: string;
  /** Checks judged now. */
  judged: number;
  signedHarness: HarnessInfo;
  currentHarness: HarnessInfo;
  /** Every verdict that differs, sorted by check id. */
  differences: VerdictDifference[];
  /** Changes that left the verdict as signed (a decision rule changed, the verdict did not), one line each. */
  notes: string[];
  /** The clause catalogues the citations were read in again. */
  cataloguesDir: string;
  /** Catalogue-derived fields the catalogues and profile now give otherwise; empty when all are reproduced. */
  traceability: TraceabilityChange[];
}

/** What to re-judge with. */
export interface RejudgeOptions {
  /** The suites to discover checks in (default: the project's `suites/`). */
  suitesDir?: string;
  /** The harness doing the re-judging (default: this checkout's {@link harnessInfo}). */
  harness?: HarnessInfo;
  /** The clause catalogues to read the citations in (default: the project's `suites/catalogues/`). */
  cataloguesDir?: string;
}

function describeHarness(h: HarnessInfo): string {
  const commit =
    h.gitCommit === null
      ? 'no git commit'
      : `commit ${h.gitCommit.slice(0, 12)}${h.dirty ? ' with uncommitted changes' : ''}`;
  return `${h.name} ${h.version} (${commit})`;
}

function sameHarness(a: HarnessInfo, b: HarnessInfo): boolean {
  return a.version === b.version && a.gitCommit === b.gitCommit && !a.dirty && !b.dirty;
}

const formatNumber = (n: number | undefined): string => (n === undefined ? 'absent' : String(n));

/** How a decision rule changed, one statement each (none when it is the same). */
export function ruleChanges(signed: DecisionRule, now: DecisionRule): string[] {
  const changes: string[] = [];
  const names = [...new Set([...Object.keys(signed.parameters), ...Object.keys(now.parameters)])].sort();
  const changed = names
    .filter((name) => signed.parameters[name] !== now.parameters[name])
    .map((name) => `${name} ${formatNumber(signed.parameters[name])} → ${formatNumber(now.parameters[name])}`);
  if (changed.length > 0) changes.push(`decision rule parameters changed: ${changed.join(', ')}`);
  if (signed.text !== now.text) changes.push('decision rule text changed');
  return changes;
}

/** Which of the check's other metadata fields differ from what the report printed. */
function metadataChanges(signed: CheckResult, now: CheckResult): string[] {
  const fields = ['title', 'requirement', 'keyword', 'severity', 'covers', 'tableI'] as const;
  const changed = fields.filter(
    (field) => JSON.stringify(signed[field] ?? null) !== JSON.stringify(now[field] ?? null),
  );
  return changed.length > 0 ? [`check metadata changed: ${changed.join(', ')}`] : [];
}

/** The profile the run was judged with: its copy in the run directory (`analysis.json` holds it for an imported capture). */
function storedProfile(runDir: string, report: Report): { profile: Profile; mode: 'run' | 'analyze' } {
  const file = report.profile.file;
  if (!isRunRelativePath(file))
    throw new RejudgeInputError(`report.json profile.file "${file}" is not a file of the run directory`);
  const path = join(runDir, file);
  if (!existsSync(path))
    throw new RejudgeInputError(`${file} (the profile the run used) is missing from the run directory`);
  try {
    if (file === ANALYSIS_FILE) {
      const analysis = JSON.parse(readFileSync(path, 'utf8')) as { profile?: unknown };
      if (typeof analysis.profile !== 'object' || analysis.profile === null) throw new Error('/profile: is missing');
      // The harness made this profile from the captures (no customer wrote it): it is not held to the
      // profile schema, whose rules are for profiles people write (an analysis without --resolver lists
      // no resolver endpoint, which a DUT profile must). The manifest's signature covers it as written.
      return { profile: capturedProfile(analysis.profile, file), mode: 'analyze' };
    }
    return { profile: loadProfile(path).profile, mode: 'run' };
  } catch (error) {
    throw new RejudgeInputError(`${file}: cannot be used to re-judge: ${(error as Error).message}`);
  }
}

/** The parts of an analysis profile the passive checks read, each checked to be there. */
function capturedProfile(value: object, file: string): Profile {
  const profile = value as Partial<Profile>;
  if (typeof profile.dut?.id !== 'string' || !Array.isArray(profile.dut.addresses))
    throw new Error(`${file} /profile/dut: has no id and addresses`);
  if (!Array.isArray(profile.resolver?.listen)) throw new Error(`${file} /profile/resolver/listen: is not a list`);
  return profile as Profile;
}

/** Re-judges a run directory's evidence and compares every verdict with `report` (its signed report). */
export async function rejudgeRun(runDir: string, report: Report, opts: RejudgeOptions = {}): Promise<RejudgeOutcome> {
  const suitesDir = resolve(opts.suitesDir ?? SUITES_DIR);
  const { profile, mode } = storedProfile(runDir, report);
  let evidence: Evidence;
  try {
    evidence = loadEvidence(join(runDir, RUN_FILES.events));
  } catch (error) {
    throw new RejudgeInputError(`${RUN_FILES.events}: cannot be used to re-judge: ${(error as Error).message}`);
  }
  let checks: LoadedCheck[];
  try {
    checks = await discoverChecks(suitesDir);
  } catch (error) {
    throw new RejudgeInputError(`the suites in ${suitesDir} cannot be loaded: ${(error as Error).message}`);
  }
  // Exactly the checks the run selected: the same --checks selection, applied to the suites now.
  const selection = report.scope?.checks ?? null;
  if (selection !== null) {
    try {
      checks = selectChecks(checks, selection);
    } catch (error) {
      throw new RejudgeInputError(
        `report.json /scope/checks: ${(error as Error).message} in the suites in ${suitesDir}`,
      );
    }
  }
  const cataloguesDir = resolve(opts.cataloguesDir ?? CATALOGUES_DIR);
  let catalogues: Catalogues;
  try {
    catalogues = loadCatalogues(cataloguesDir);
  } catch (error) {
    throw new RejudgeInputError(
      `the clause catalogues in ${cataloguesDir} cannot be loaded: ${(error as Error).message}`,
    );
  }
  // The judge the run itself used: the same code, on the evidence as stored.
  const results = await judge(evidence, profile, checks, { origin: mode });
  const currentHarness = opts.harness ?? harnessInfo();
  const harnessReason =
    sameHarness(report.harness, currentHarness) && suitesDir === resolve(SUITES_DIR)
      ? null
      : `the harness differs: the report was judged by ${describeHarness(report.harness)}, this re-judgement by ` +
        `${describeHarness(currentHarness)}${suitesDir === resolve(SUITES_DIR) ? '' : ` with the suites in ${suitesDir}`}`;

  const now = new Map(results.map((r) => [r.check, r]));
  const signed = new Map(report.results.map((r) => [r.check, r]));
  const differences: VerdictDifference[] = [];
  const notes: string[] = [];
  for (const [id, was] of signed) {
    const is = now.get(id);
    if (is === undefined) {
      differences.push({
        check: id,
        signed: was.verdict,
        now: null,
        observedNow: null,
        reasons: [
          `missing: the suites in ${suitesDir} have no check ${id} (removed or renamed since the report)`,
          ...(harnessReason ? [harnessReason] : []),
        ],
      });
      continue;
    }
    const changes = [...ruleChanges(was.decisionRule, is.decisionRule), ...metadataChanges(was, is)];
    if (was.verdict === is.verdict) {
      if (changes.length > 0) notes.push(`${id}: still ${is.verdict}, though ${changes.join('; ')}`);
      continue;
    }
    const reasons = [...changes, ...(harnessReason ? [harnessReason] : [])];
    if (reasons.length === 0) {
      reasons.push(
        'same decision rule, metadata and harness: the check gave another verdict on the same evidence (a harness fault: verdicts must be deterministic)',
      );
    }
    differences.push({ check: id, signed: was.verdict, now: is.verdict, observedNow: is.observed, reasons });
  }
  for (const [id, is] of now) {
    if (signed.has(id)) continue;
    differences.push({
      check: id,
      signed: null,
      now: is.verdict,
      observedNow: is.observed,
      reasons: [
        selection === null
          ? 'new: the signed report has no result for this check (added to the suites since)'
          : `new: the signed report has no result for this check (added to the suites since under the run's --checks ${selection})`,
        ...(harnessReason ? [harnessReason] : []),
      ],
    });
  }
  differences.sort((a, b) => (a.check < b.check ? -1 : a.check > b.check ? 1 : 0));
  const traceability = traceabilityChanges(
    report,
    profile,
    catalogues,
    sameHarness(report.harness, currentHarness) ? null : harnessReason,
  );
  return {
    mode,
    selection,
    suitesDir,
    judged: results.length,
    signedHarness: report.harness,
    currentHarness,
    differences,
    notes,
    cataloguesDir,
    traceability,
  };
}

/** The lines `verify --rejudge` prints for an outcome. */
export function formatRejudgeOutcome(outcome: RejudgeOutcome, profileFile: string): string[] {
  const which =
    outcome.selection === null ? '' : ` selected by --checks ${outcome.selection} (as the run selected them)`;
  const lines = [
    `re-judged ${outcome.judged} checks${which} from ${RUN_FILES.events} and ${profileFile} (${outcome.mode === 'analyze' ? 'as an imported capture' : 'as a run'}) ` +
      `with the suites in ${outcome.suitesDir}, by ${describeHarness(outcome.currentHarness)}; signed by ${describeHarness(outcome.signedHarness)}`,
  ];
  for (const d of outcome.differences) {
    lines.push(`DIFF  ${d.check}: signed ${d.signed ?? '(no result)'}, now ${d.now ?? '(no such check)'}`);
    lines.push(...d.reasons.map((reason) => `        why: ${reason}`));
    if (d.observedNow !== null) lines.push(`        observed now: ${d.observedNow}`);
  }
  lines.push(...outcome.notes.map((note) => `NOTE  ${note}`));
  lines.push(...outcome.traceability.map((c) => `TRACE ${c.field || '/'}: ${c.reason}`));
  lines.push(
    outcome.traceability.length === 0
      ? `traceability: citations, ICS/IXIT and lab assessments made again from ${profileFile} and the catalogues in ${outcome.cataloguesDir} equal the signed ones`
      : `traceability: ${outcome.traceability.length} field${outcome.traceability.length > 1 ? 's' : ''} of the signed report differ${outcome.traceability.length > 1 ? '' : 's'} with the catalogues in ${outcome.cataloguesDir}` +
          (outcome.traceability.some((c) => c.fault) ? ' (a harness fault)' : ' (the signed report stands as issued)'),
  );
  lines.push(
    outcome.differences.length === 0
      ? 'no differences: every verdict re-judged from the evidence equals the signed one'
      : `${outcome.differences.length} verdict${outcome.differences.length > 1 ? 's differ' : ' differs'} from the signed report`,
  );
  return lines;
}
