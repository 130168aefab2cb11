/**
 * The experiment catalogue: every file in `definitions/` is one experiment, its file name
 * its id. Adding an experiment is adding one YAML file; nothing is registered by hand.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputFileError, loadYamlInput, precompiled } from '../input/yaml-input.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { parseScenario } from '../resolver/scenario.ts';
import type { Scenario } from '../resolver/scenario.ts';
import validateExperiment from './experiment.validator.generated.ts';
import type { DnsconformExperiment } from './experiment.generated.ts';

/** An experiment's definition file as written: the type generated from experiment.schema.json. */
export type ExperimentDefinition = DnsconformExperiment;

/** One adversarial condition: its definition file, and the id its file name gives it. */
export interface Experiment extends ExperimentDefinition {
  /** The file name without `.yaml`. */
  id: string;
}

export const DEFINITIONS_DIR = join(import.meta.dirname, 'definitions');

const validate = precompiled<ExperimentDefinition>(validateExperiment);

/** Loads every experiment definition, by id. */
export function loadExperiments(dir: string = DEFINITIONS_DIR): Map<string, Experiment> {
  const experiments = new Map<string, Experiment>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const id = basename(file, '.yaml');
    experiments.set(id, { id, ...loadYamlInput(join(dir, file), 'experiment', validate).value });
  }
  return experiments;
}

/** The canary families (`'4'`, `'6'`) an experiment's scenario names, in that order. */
export function canaryFamilies(experiment: Experiment): ('4' | '6')[] {
  const named = new Set(experiment.scenario.flatMap((step) => [...step.matchAll(/\{canary([46])/g)].map((m) => m[1])));
  return (['4', '6'] as const).filter((family) => named.has(family));
}

/**
 * What an experiment does for one DUT: its scenario, or (when the profile has no canary at
 * all of a family the experiment forges into: an IPv4-only or IPv6-only device) not run,
 * and why. A device without IPv6 is not failed or refused for lacking an IPv6 canary; the
 * phase is simply not run for it and its checks are not assessed. Too few canaries of a
 * family the profile does have is still a profile error (see {@link experimentScenario}).
 */
export type ScenarioDecision = { run: true; scenario: Scenario } | { run: false; reason: string };

/** Decides whether an experiment runs for one DUT and, when it does, parses its scenario. */
export async function scenarioDecision(experiment: Experiment, loaded: LoadedProfile): Promise<ScenarioDecision> {
  const { canaries } = loaded.profile;
  const lacking = canaryFamilies(experiment).filter(
    (family) => !canaries.some((c) => c.includes(':') === (family === '6')),
  );
  if (lacking.length > 0) {
    const families = lacking.map((f) => `IPv${f}`).join(' and ');
    // The family the profile does have says what kind of device this is.
    const only =
      canaries.length === 0
        ? ''
        : canaries.some((c) => c.includes(':'))
          ? ' (an IPv6-only device)'
          : ' (an IPv4-only device)';
    return {
      run: false,
      reason: `experiment ${experiment.id} forges answers pointing at an ${families} canary and the profile has no ${families} canary${only}`,
    };
  }
  return { run: true, scenario: await experimentScenario(experiment, loaded) };
}

/** The scenario an experiment becomes for one DUT: its canaries filled in, then parsed. */
export async function experimentScenario(experiment: Experiment, loaded: LoadedProfile): Promise<Scenario> {
  const { canaries } = loaded.profile;
  const byFamily = { 4: canaries.filter((c) => !c.includes(':')), 6: canaries.filter((c) => c.includes(':')) };
  const short: Record<'4' | '6', number> = { 4: 0, 6: 0 };
  // {canary4} is the first IPv4 canary, {canary4:3} the third: experiments that need several
  // (one per spoof kind, so the canary contacted tells which was accepted) number them.
  const steps = experiment.scenario.map((step) =>
    step.replaceAll(/\{canary([46])(?::(\d+))?\}/g, (placeholder, family: '4' | '6', nth?: string) => {
      const index = Number(nth ?? '1');
      const address = byFamily[family][index - 1];
      if (address === undefined) short[family] = Math.max(short[family], index);
      return address ?? placeholder;
    }),
  );
  const missing = (['4', '6'] as const)
    .filter((f) => short[f] > 0)
    .map((f) => `${short[f] === 1 ? 'an' : `${short[f]}`} IPv${f} canary address${short[f] === 1 ? '' : 'es'}`);
  if (missing.length > 0) {
    throw new InputFileError(loaded.file, 'profile', [
      { pointer: '/canaries', line: null, message: `experiment ${experiment.id} needs ${missing.join(' and ')}` },
    ]);
  }
  return parseScenario(steps, { canaries });
}
