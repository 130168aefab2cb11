/**
 * A check's thresholds, declared once: {@link decisionRule} writes the rule's text from its
 * parameters, and {@link ruleParameters} reads the same object back when judging, so the rule
 * printed in the report is the rule applied (and a spec that changes a parameter on the loaded
 * metadata changes the verdict). A parameter that is not a finite number is a defect of the
 * check (the verdict becomes ERROR).
 */
import type { DecisionRule } from '../lib/checks/check-types.ts';

/** A rule's thresholds by name. */
export type RuleParameters = Record<string, number>;

/** The rule with its thresholds: `text` is written from `parameters` once, at declaration. */
export function decisionRule<P extends RuleParameters>(parameters: P, text: (rule: P) => string): DecisionRule<P> {
  return { text: text(parameters), parameters };
}

/** The named numbers of a rule, each one required to be a finite number. */
export function ruleParameters<P extends RuleParameters>(rule: DecisionRule<P>): P {
  for (const [name, value] of Object.entries(rule.parameters)) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`decision rule parameter ${name} is missing or not a finite number`);
  }
  return rule.parameters;
}
