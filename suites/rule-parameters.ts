/**
 * Reads a check's thresholds from its decision rule, so the rule printed in the report is
 * the rule applied. A missing parameter is a defect of the check (the verdict becomes ERROR).
 */
import type { DecisionRule } from '../lib/checks/check-types.ts';

/** The named numbers of a rule, each one required to be there. */
export function ruleParameters<Name extends string>(rule: DecisionRule, names: readonly Name[]): Record<Name, number> {
  const values = {} as Record<Name, number>;
  for (const name of names) {
    const value = rule.parameters[name];
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new Error(`decision rule parameter ${name} is missing or not a finite number`);
    values[name] = value;
  }
  return values;
}
