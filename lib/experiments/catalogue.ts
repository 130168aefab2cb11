/**
 * The experiment catalogue: every file in `definitions/` is one experiment, its file name
 * its id. Adding an experiment is adding one YAML file; nothing is registered by hand.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputFileError, compileSchema, loadYamlInput } from '../input/yaml-input.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { parseScenario } from '../resolver/scenario.ts';
import type { Scenario } from '../resolver/scenario.ts';
import schema from './experiment.schema.json' with { type: 'json' };

/** One adversarial condition, as its definition file states it. */
export interface Experiment {
  /** The file name without `.yaml`. */
  id: string;
  title: string;
  source: string;
  description: string;
  /** Primitives, with `{canary4}` / `{canary6}` still to fill in from the profile. */
  scenario: string[];
  recommendations: string[];
}

export const DEFINITIONS_DIR = join(import.meta.dirname, 'definitions');

const validate = compileSchema<Omit<Experiment, 'id'>>(schema);

/** Loads every experiment definition, by id. */
export function loadExperiments(dir: string = DEFINITIONS_DIR): Map<string, Experiment> {
  const experiments = new Map<string, Experiment>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const id = basename(file, '.yaml');
    experiments.set(id, { id, ...loadYamlInput(join(dir, file), 'experiment', validate).value });
  }
  return experiments;
}

/** The scenario an experiment becomes for one DUT: its canaries filled in, then parsed. */
export async function experimentScenario(experiment: Experiment, loaded: LoadedProfile): Promise<Scenario> {
  const { canaries } = loaded.profile;
  const canary4 = canaries.find((c) => !c.includes(':'));
  const canary6 = canaries.find((c) => c.includes(':'));
  const missing: string[] = [];
  const steps = experiment.scenario.map((step) => step
    .replaceAll('{canary4}', () => canary4 ?? (missing.push('an IPv4'), '{canary4}'))
    .replaceAll('{canary6}', () => canary6 ?? (missing.push('an IPv6'), '{canary6}')));
  if (missing.length > 0) {
    throw new InputFileError(loaded.file, 'profile', [{ pointer: '/canaries', line: null, message: `experiment ${experiment.id} needs ${[...new Set(missing)].join(' and ')} canary address` }]);
  }
  return parseScenario(steps, { canaries });
}
