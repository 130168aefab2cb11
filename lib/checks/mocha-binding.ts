/**
 * Runs checks as mocha tests, programmatically. Mocha gives the lab the familiar runner
 * and reporters; the report is built from the result records collected here, never from
 * mocha's output. FAIL and ERROR fail the test, INCONCLUSIVE and NOT_APPLICABLE mark it
 * pending, PASS and INFO pass it.
 */
import Mocha from 'mocha';
import { expect } from 'chai';
import type { Evidence } from '../evidence/evidence.ts';
import { notAssessedOutcome } from './check-types.ts';
import type { CheckContext, CheckOutcome, CheckResult, LoadedCheck } from './check-types.ts';
import { icsExemption } from './applicability.ts';
import { describeLoss, lossCounts } from './evidence-loss.ts';
import { missingEvidence } from './required-evidence.ts';

/** Options for a judging run. */
export interface JudgeOptions {
  /** A mocha reporter name (`spec`, `dot`...); the default prints nothing. */
  reporter?: string;
}

/** A result recording a harness fault in a check. */
function errorResult(check: LoadedCheck, error: string): CheckResult {
  return {
    ...identity(check),
    verdict: 'ERROR',
    expected: '',
    observed: 'the check could not be judged',
    figures: {},
    evidence: [],
    error,
  };
}

/** The fields of a result that come from the check's metadata. */
function identity(check: LoadedCheck): Omit<CheckResult, keyof CheckOutcome | 'error'> {
  const { title, keyword, severity, covers, requirement, decisionRule, tableI } = check.meta;
  return {
    check: check.id,
    title,
    keyword,
    severity,
    covers,
    requirement,
    decisionRule,
    ...(tableI ? { tableI } : {}),
  };
}

/** A result for a check the evidence cannot judge (it needs an experiment an imported capture cannot have): not assessed, what would judge it, and why it was not. */
export function notAssessedResult(check: LoadedCheck, judgedBy: string, reason: string): CheckResult {
  return { ...identity(check), ...notAssessedOutcome(reason, { expected: judgedBy, figures: {}, evidence: [] }) };
}

/**
 * The outcome of a check none of whose experiments had a phase in a phased run (a run
 * without a plan, or a plan that left them out): not assessed, and said so, rather than judged on
 * evidence that was never meant to be collected. INCONCLUSIVE, not NOT_APPLICABLE: only the
 * ICS can make a check inapplicable.
 */
function notRun(check: LoadedCheck, evidence: Evidence): CheckOutcome | null {
  const { experiments } = check.meta;
  if (experiments.includes('*')) return null;
  const ran = new Set(evidence.ofType('phase.start').map((e) => e.experiment ?? e.name));
  // Evidence without phases (an imported capture) is judged as it is.
  if (ran.size === 0 || experiments.some((experiment) => ran.has(experiment))) return null;
  // Phases of its experiments the plan had but did not run for this DUT (a canary family the profile lacks) say why.
  const skipped = evidence.phasesNotRun().filter((skip) => experiments.includes(skip.experiment));
  if (skipped.length > 0)
    return notAssessedOutcome(
      `${skipped.map((skip) => `phase ${skip.name} was not run for this DUT: ${skip.reason}`).join('; ')}.`,
      {
        expected: `Evidence from a phase of ${experiments.join(', ')}.`,
        figures: { phasesRun: [...ran], phasesNotRun: skipped.map((skip) => skip.name) },
        evidence: [],
      },
    );
  return notAssessedOutcome(
    `this run had 0 phases of the experiments the check needs (${experiments.join(', ')}); run a plan that includes them.`,
    { expected: `Evidence from a phase of ${experiments.join(', ')}.`, figures: { phasesRun: [...ran] }, evidence: [] },
  );
}

/** NOT_APPLICABLE because the supplier's ICS declares every provision the check cites N/A. */
function exemptByIcs(check: LoadedCheck, context: CheckContext): CheckOutcome | null {
  const rows = icsExemption(check.meta, context.profile);
  if (rows === null) return null;
  return {
    verdict: 'NOT_APPLICABLE',
    expected: `Applies unless the ICS declares EN 303 645 ${check.meta.covers.etsi.join(', ')} not applicable.`,
    observed: `The supplier's ICS declares ${rows.map((r) => `${r.provision} N/A: ${r.detail}`).join('; ')}`,
    figures: { icsNotApplicable: rows.map((r) => r.provision) },
    evidence: [],
    // The ICS decides it: no evidence changes it, so it never holds a phase open.
    settled: true,
  };
}

/**
 * Checks say "not assessed" as INCONCLUSIVE with `notAssessed` set; one that returns
 * NOT_APPLICABLE all the same is reported so, since only the ICS makes a check inapplicable.
 */
function notAssessed(outcome: CheckOutcome): CheckOutcome {
  if (outcome.verdict !== 'NOT_APPLICABLE') return outcome;
  const { verdict: _verdict, observed, ...rest } = outcome;
  return notAssessedOutcome(observed, rest);
}

/** Applies one check; a throwing check is a harness fault, recorded as ERROR. */
export function judgeCheck(check: LoadedCheck, evidence: Evidence, context: CheckContext): CheckResult {
  const exempt = exemptByIcs(check, context);
  if (exempt) return { ...identity(check), ...exempt };
  const skipped = notRun(check, evidence);
  if (skipped) return { ...identity(check), ...skipped };
  const missing = missingEvidence(check.meta.requires, evidence, context.dutId);
  if (missing) {
    return {
      ...identity(check),
      verdict: 'INCONCLUSIVE',
      expected: 'the evidence this check requires',
      observed: `not judged: ${missing}`,
      figures: {},
      evidence: [],
    };
  }
  let outcome: CheckOutcome;
  const scoped = evidence.forExperiments(check.meta.experiments);
  try {
    outcome = check.judge(scoped, context);
  } catch (error) {
    return errorResult(check, error instanceof Error ? error.message : String(error));
  }
  return { ...identity(check), ...notAssessed(unlessLost(outcome, scoped, context.dutId, check)) };
}

/** A PASS on evidence the run may have lost part of is INCONCLUSIVE, with the loss and what the check saw. */
function unlessLost(outcome: CheckOutcome, evidence: Evidence, dutId: string, check: LoadedCheck): CheckOutcome {
  if (outcome.verdict !== 'PASS') return outcome;
  const loss = describeLoss(lossCounts(evidence, dutId, check.meta.requires ?? []));
  if (!loss) return outcome;
  const { verdict: _verdict, observed, ...rest } = outcome;
  return notAssessedOutcome(`${loss}. On what was recorded: ${observed}`, rest);
}

/** Judges every check under mocha; resolves with one result per check, in check order. */
export async function judgeWithMocha(
  checks: readonly LoadedCheck[],
  evidence: Evidence,
  context: CheckContext,
  options: JudgeOptions = {},
): Promise<CheckResult[]> {
  const mocha = new Mocha({ reporter: options.reporter ?? QuietReporter, timeout: 60_000 });
  const results = new Map<string, CheckResult>();
  const root = Mocha.Suite.create(mocha.suite, `DUT ${context.dutId}`);
  const topics = new Map<string, Mocha.Suite>();
  for (const check of checks) {
    const topic = check.id.split('/')[0] ?? check.id;
    const suite = topics.get(topic) ?? Mocha.Suite.create(root, topic);
    topics.set(topic, suite);
    suite.addTest(
      new Mocha.Test(`${check.id}: ${check.meta.title}`, function (this: Mocha.Context) {
        const result = judgeCheck(check, evidence, context);
        results.set(check.id, result);
        if (result.verdict === 'ERROR') throw new Error(`harness error in ${check.id}: ${result.error}`);
        if (result.verdict === 'INCONCLUSIVE' || result.verdict === 'NOT_APPLICABLE') this.skip();
        expect(result.verdict, `Expected: ${result.expected}\nObserved: ${result.observed}`).to.not.equal('FAIL');
      }),
    );
  }
  await new Promise<void>((resolve) => mocha.run(() => resolve()));
  return checks.map((check) => results.get(check.id) ?? errorResult(check, 'mocha did not run this check'));
}

/** A reporter that prints nothing: the verdict table is the harness's own output. */
class QuietReporter extends Mocha.reporters.Base {}
