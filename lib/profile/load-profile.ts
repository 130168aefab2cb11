/**
 * Reads a profile (YAML), validates it against `profile.schema.json`, and reports any
 * problem with the file, the JSON pointer and the line it sits on.
 */
import { InputFileError, loadYamlInput, parseYamlInput, precompiled } from '../input/yaml-input.ts';
import type { InputProblem } from '../input/yaml-input.ts';
import { projectCatalogues } from '../catalogue/load-catalogues.ts';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { labDhcpProblems, withDhcpAddresses } from './lab-dhcp.ts';
import type { Profile, WeightedChoice } from './profile-types.ts';
import { parseUpstreamAddress } from './upstream-address.ts';
import validateProfile from './profile.validator.generated.ts';

/** One problem in a profile. */
export type ProfileProblem = InputProblem;

/** A profile that is not valid; the message lists every problem with its place. */
export class ProfileError extends InputFileError {
  constructor(file: string, problems: ProfileProblem[]) {
    super(file, 'profile', problems);
    this.name = 'ProfileError';
  }
}

/** A validated profile with the exact bytes it came from (copied into the run as evidence). */
export interface LoadedProfile {
  profile: Profile;
  file: string;
  text: string;
  sha256: string;
}

const validate = precompiled<Profile>(validateProfile);

/** Choices of a weighted draw whose range is empty (min above max). */
function weightedChoiceProblems(
  choices: readonly WeightedChoice[],
  pointer: string,
): { pointer: string; message: string }[] {
  return choices.flatMap((c, i) =>
    'min' in c && c.min > c.max ? [{ pointer: `${pointer}/${i}/min`, message: 'min is above max' }] : [],
  );
}

const catalogues = projectCatalogues;

/**
 * The ICS and lab assessments against the catalogues: a provision the harness cites, once
 * each; N/A only where the pro forma allows it (a conditional provision); a lab assessment
 * only for a clause the catalogue leaves to the lab.
 */
function conformanceProblems(profile: Profile, known: Catalogues): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  const seen = new Set<string>();
  (profile.ics ?? []).forEach((entry, i) => {
    const provision = known.etsi.provisions.find((p) => p.id === entry.provision);
    if (provision === undefined) {
      problems.push({
        pointer: `/ics/${i}/provision`,
        message: `${entry.provision} is not among the EN 303 645 provisions the harness cites (${known.files.etsi})`,
      });
    } else if (entry.support === 'N/A' && provision.conditions === undefined) {
      problems.push({
        pointer: `/ics/${i}/support`,
        message: `N/A is allowed only for a conditional provision; ${entry.provision} is ${provision.status} without condition`,
      });
    }
    if (seen.has(entry.provision))
      problems.push({ pointer: `/ics/${i}/provision`, message: `${entry.provision} is stated twice` });
    seen.add(entry.provision);
  });
  const assessed = new Set<string>();
  (profile.labAssessments ?? []).forEach((entry, i) => {
    const item =
      known.draft.clauses.find((c) => c.id === entry.clause) ??
      known.etsi.provisions.find((p) => p.id === entry.clause);
    if (item === undefined)
      problems.push({ pointer: `/labAssessments/${i}/clause`, message: `${entry.clause} is in no catalogue` });
    else if (item.labAssessment !== true)
      problems.push({
        pointer: `/labAssessments/${i}/clause`,
        message: `${entry.clause} is not left to the lab's assessment in its catalogue (checks judge it, or nobody can)`,
      });
    if (assessed.has(entry.clause))
      problems.push({ pointer: `/labAssessments/${i}/clause`, message: `${entry.clause} is assessed twice` });
    assessed.add(entry.clause);
  });
  return problems;
}

/** Checks the schema cannot express: cross-field ranges and record data by type. */
function semanticProblems(profile: Profile): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  const add = (pointer: string, message: string) => problems.push({ pointer, message });
  if (profile.device.kind === 'simulated') {
    const b = profile.device.behaviour;
    if (b.sourcePort.strategy === 'random' && b.sourcePort.min > b.sourcePort.max)
      add('/device/behaviour/sourcePort/min', 'min is above max');
    if (b.sourcePort.strategy === 'weighted')
      problems.push(...weightedChoiceProblems(b.sourcePort.choices, '/device/behaviour/sourcePort/choices'));
    if (b.txid.strategy === 'weighted')
      problems.push(...weightedChoiceProblems(b.txid.choices, '/device/behaviour/txid/choices'));
    if (b.ttl.mode === 'clamp' && b.ttl.min > b.ttl.max) add('/device/behaviour/ttl/min', 'min is above max');
    if (b.retry.maxTimeoutMs < b.retry.timeoutMs) add('/device/behaviour/retry/maxTimeoutMs', 'is below timeoutMs');
    // A simulated device runs on this host: whatever it sends on its own must stay on loopback.
    const own = b.hardcodedResolver?.address;
    if (own !== undefined && own !== '::1' && !/^127\./.test(own))
      add(
        '/device/behaviour/hardcodedResolver/address',
        `${own} is not a loopback address; a simulated device sends only on loopback`,
      );
  }
  problems.push(...conformanceProblems(profile, catalogues()));
  if (profile.resolver.upstream !== undefined) {
    try {
      parseUpstreamAddress(profile.resolver.upstream);
    } catch (error) {
      add('/resolver/upstream', (error as Error).message);
    }
  }
  problems.push(...labDhcpProblems(profile));
  profile.zone.forEach((record, index) => {
    const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(record.data);
    if (record.type === 'A' && !ipv4) add(`/zone/${index}/data`, `"${record.data}" is not an IPv4 address`);
    if (record.type === 'AAAA' && !record.data.includes(':'))
      add(`/zone/${index}/data`, `"${record.data}" is not an IPv6 address`);
    if (record.type === 'MX' && !/^\d+\s+\S+$/.test(record.data))
      add(`/zone/${index}/data`, 'MX data must be "<preference> <exchange>"');
  });
  return problems;
}

/** Parses and validates profile text; `file` names it in errors. */
export function parseProfile(text: string, file: string): Profile {
  try {
    return withDhcpAddresses(parseYamlInput(text, file, 'profile', validate, semanticProblems));
  } catch (error) {
    throw error instanceof InputFileError ? new ProfileError(error.file, error.problems) : error;
  }
}

/** Reads, parses and validates a profile file. */
export function loadProfile(file: string): LoadedProfile {
  try {
    const loaded = loadYamlInput(file, 'profile', validate, semanticProblems);
    return { profile: withDhcpAddresses(loaded.value), file, text: loaded.text, sha256: loaded.sha256 };
  } catch (error) {
    throw error instanceof InputFileError && !(error instanceof ProfileError)
      ? new ProfileError(error.file, error.problems)
      : error;
  }
}
