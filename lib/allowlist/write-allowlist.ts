/**
 * `dnsconform allowlist RUN...`: from one or more verified runs of one device, the names it
 * resolved as four files for whoever enforces them:
 *
 * - `names.json`: every name resolved with its query types, CNAME targets and the addresses
 *   answered, the names asked and never answered unchanged, and the runs it rests on;
 * - `mud.json`: a MUD file (RFC 8520) naming the manufacturer's MUD URL;
 * - `allow.rpz`: a Response Policy Zone allowing those names and their CNAME targets and
 *   answering NXDOMAIN for every other name (Unbound `rpz:`, BIND `response-policy`);
 * - `allowlist.txt`: the allowed names, one a line.
 *
 * Draft clause IOTDNS-M-DOC-1 (the manufacturer documents the names its device uses) can
 * cite these files in the lab's assessment: they are derived from signed evidence only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badPath } from '../evidence/bad-input.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { Report } from '../report/report-types.ts';
import { buildMud, validateMud } from './mud.ts';
import type { MudFile } from './mud.ts';
import { allowedNames, observedNames } from './observed-names.ts';
import type { ObservedNames } from './observed-names.ts';
import { buildRpzZone, rpzOrigin } from './rpz.ts';

/** The files an allow-list writes, by role. */
export const ALLOWLIST_FILES = {
  names: 'names.json',
  mud: 'mud.json',
  rpz: 'allow.rpz',
  list: 'allowlist.txt',
} as const;

/** Bad input to `allowlist` (exit 2): runs of different devices, no MUD URL. */
export class AllowlistInputError extends Error {
  override name = 'AllowlistInputError';
}

/** One verified run to draw names from. */
export interface AllowlistRun {
  input: string;
  report: Report;
  evidence: Evidence;
  /** The profile's MUD URL, when it states one. */
  mudUrl: string | null;
}

/** What an allow-list holds, as names.json has it. */
export interface Allowlist {
  allowlistVersion: 1;
  device: { id: string; vendor: string; model: string; firmware: string | null };
  runs: { input: string; runId: string; startedAt: string; endedAt: string }[];
  /** The rule names were taken by. */
  rule: string;
  resolved: ObservedNames['resolved'];
  unresolved: ObservedNames['unresolved'];
  /** Names a resolver must let through: resolved names and their CNAME targets. */
  allowed: string[];
  mudUrl: string;
  rpzOrigin: string;
}

/** The rule, written into names.json and the RPZ zone's header. */
export const ALLOWLIST_RULE =
  'A name is allowed when the device asked it and got a NOERROR answer the harness did not change (forged, emptied, withheld ' +
  'and other adversarial answers say nothing about what the device needs); the CNAME targets of those answers are allowed with it.';

/** Builds the allow-list and its MUD file from the runs; `mudUrl` overrides the profiles'. */
export function buildAllowlist(
  runs: readonly AllowlistRun[],
  mudUrlOption?: string,
): { allowlist: Allowlist; mud: MudFile; rpz: string; list: string } {
  if (runs.length === 0) throw new AllowlistInputError('no run given');
  const ids = [...new Set(runs.map((r) => r.report.dut.id))];
  if (ids.length > 1)
    throw new AllowlistInputError(
      `the runs are of different devices (${ids.join(', ')}): an allow-list is for one device`,
    );
  const mudUrl = mudUrlOption ?? runs.find((r) => r.mudUrl !== null)?.mudUrl ?? undefined;
  if (mudUrl === undefined) {
    throw new AllowlistInputError(
      `${runs[0]!.input}: the profile has no /dut/mudUrl and --mud-url was not given: the MUD file needs the manufacturer's MUD URL`,
    );
  }
  if (!/^https:\/\/[^\s/]+/.test(mudUrl))
    throw new AllowlistInputError(`--mud-url: "${mudUrl}" is not an https URL (RFC 8520 §3.3)`);
  const latest = [...runs].sort((a, b) => (a.report.endedAt < b.report.endedAt ? 1 : -1))[0]!.report;
  const dut = latest.dut;
  const observed = observedNames(runs.map((r) => ({ evidence: r.evidence, dutId: r.report.dut.id })));
  const allowed = allowedNames(observed);
  const origin = rpzOrigin(dut.id);
  const allowlist: Allowlist = {
    allowlistVersion: 1,
    device: { id: dut.id, vendor: dut.vendor, model: dut.model, firmware: dut.firmware ?? null },
    runs: runs.map((r) => ({
      input: r.input,
      runId: r.report.runId,
      startedAt: r.report.startedAt,
      endedAt: r.report.endedAt,
    })),
    rule: ALLOWLIST_RULE,
    resolved: observed.resolved,
    unresolved: observed.unresolved,
    allowed,
    mudUrl,
    rpzOrigin: origin,
  };
  const mud = validateMud(
    buildMud(
      {
        id: dut.id,
        vendor: dut.vendor,
        model: dut.model,
        firmware: dut.firmware ?? null,
        mudUrl,
        lastUpdate: latest.endedAt,
      },
      observed.resolved,
    ),
  );
  const rpz = buildRpzZone({
    origin,
    names: allowed,
    lastUpdate: latest.endedAt,
    comment: [
      `Protective DNS allow-list for ${dut.vendor} ${dut.model} (${dut.id}), made by dnsconform from the verified runs ${runs.map((r) => r.report.runId).join(', ')}.`,
      ALLOWLIST_RULE,
      `Load it as zone ${origin} (Unbound: rpz: name: "${origin}" zonefile: ...; BIND: response-policy { zone "${origin}"; };).`,
    ],
  });
  return { allowlist, mud, rpz, list: allowed.length === 0 ? '' : `${allowed.join('\n')}\n` };
}

/** Writes the four files into `outDir`; returns their paths. */
export function writeAllowlist(
  outDir: string,
  built: ReturnType<typeof buildAllowlist>,
): Record<keyof typeof ALLOWLIST_FILES, string> {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw badPath(error, outDir, '--out');
  }
  const paths = {
    names: join(outDir, ALLOWLIST_FILES.names),
    mud: join(outDir, ALLOWLIST_FILES.mud),
    rpz: join(outDir, ALLOWLIST_FILES.rpz),
    list: join(outDir, ALLOWLIST_FILES.list),
  };
  writeFileSync(paths.names, `${JSON.stringify(built.allowlist, null, 2)}\n`);
  writeFileSync(paths.mud, `${JSON.stringify(built.mud, null, 2)}\n`);
  writeFileSync(paths.rpz, built.rpz);
  writeFileSync(paths.list, built.list);
  return paths;
}
