/**
 * Plans: which experiments a run goes through, in order, for how long. `quick` and `full`
 * ship under `profiles/plans/`; a plan is named by file or by its name there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadYamlInput, precompiled } from '../input/yaml-input.ts';
import type { LoadedInput } from '../input/yaml-input.ts';
import type { Experiment } from './catalogue.ts';
import validatePlan from './plan.validator.generated.ts';
import type { DnsconformCertificationPlan, PhaseTrigger } from './plan.generated.ts';

export type { PhaseTrigger, PlanPhase } from './plan.generated.ts';

/** A loaded plan: the type generated from plan.schema.json (the validator fills in its defaults). */
export type Plan = DnsconformCertificationPlan;

/** One phase as the session runs it. */
export interface PlannedPhase {
  name: string;
  experiment: Experiment;
  windowSeconds: number;
  trigger: PhaseTrigger | null;
  prompt: string | null;
  earlyStop: boolean;
}

export const PLANS_DIR = join(import.meta.dirname, '..', '..', 'profiles', 'plans');

const validate = precompiled<Plan>(validatePlan);

/** Loads a plan by name (`quick`) or path, checking every experiment it names exists. */
export function loadPlan(nameOrFile: string, experiments: ReadonlyMap<string, Experiment>): LoadedInput<Plan> {
  const file = existsSync(nameOrFile) ? nameOrFile : join(PLANS_DIR, `${nameOrFile}.yaml`);
  return loadYamlInput(file, 'plan', validate, (plan) => {
    const problems: { pointer: string; message: string }[] = [];
    const names = new Set<string>();
    plan.phases.forEach((phase, i) => {
      if (!experiments.has(phase.experiment))
        problems.push({
          pointer: `/phases/${i}/experiment`,
          message: `no experiment "${phase.experiment}" (known: ${[...experiments.keys()].join(', ')})`,
        });
      const name = phase.name ?? phase.experiment;
      if (names.has(name))
        problems.push({ pointer: `/phases/${i}`, message: `phase name "${name}" is used twice; give one a "name"` });
      names.add(name);
    });
    return problems;
  });
}

/**
 * The phases to run: all of them, or (select: needed) those whose experiment a selected
 * check uses, always keeping the first phase as the reference baseline.
 */
export function plannedPhases(
  plan: Plan,
  experiments: ReadonlyMap<string, Experiment>,
  neededExperiments: ReadonlySet<string>,
  select = plan.select,
): PlannedPhase[] {
  return plan.phases
    .filter((phase, i) => select === 'all' || i === 0 || neededExperiments.has(phase.experiment))
    .map((phase) => ({
      name: phase.name ?? phase.experiment,
      experiment: experiments.get(phase.experiment)!,
      windowSeconds: phase.windowSeconds,
      trigger: phase.trigger ?? null,
      prompt: phase.prompt ?? null,
      earlyStop: plan.earlyStop,
    }));
}
