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
  /** Primitives, with `{canary4}` / `{canary6}` (or the n-th, `{canary4:n}`) still to fill in from the profile. */
  scenario: string[];
  recommendations: string[];
  /** What the lab's DHCP server does at the phase start; such an experiment needs a profile with network.dhcp. */
  dhcp?: 'change-resolver';
  /** It acts only on answers of a profile's signed zone, so it runs only when a profile has `signedZone`. */
  needsSignedZone?: true;
}

export const DEFINITIONS_DIR = join(import.meta.dirname, 'definitions');

const validate = compileSchema<Omit<Experiment, 'id'>>(schema);

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
