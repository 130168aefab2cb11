/**
 * A MUD file (RFC 8520) from the names a device resolved: one ACL per direction and IP
 * version, one ACE per name matching it by DNS name (ietf-acldns: dst-dnsname leaving the
 * device, src-dnsname towards it), every ACE accepting. A MUD manager resolves the names
 * itself, following CNAMEs, so the names asked stand for their targets. Validated against
 * mud.schema.json (derived from the YANG modules) and the leafrefs the schema cannot say.
 */
import { precompiled } from '../input/yaml-input.ts';
import type { ObservedName } from './observed-names.ts';
import type { Acl, MUDFileRFC8520JSONEncodingRFC7951 } from './mud.generated.ts';
import validateMudSchema from './mud.validator.generated.ts';

const validateSchema = precompiled<MudFile>(validateMudSchema);

/** A MUD file's JSON: the type generated from mud.schema.json. */
export type MudFile = MUDFileRFC8520JSONEncodingRFC7951;

/** What the MUD file says about the device. */
export interface MudDevice {
  id: string;
  vendor: string;
  model: string;
  firmware: string | null;
  /** The manufacturer's MUD URL (https). */
  mudUrl: string;
  /** When the evidence ends (ISO 8601): the file's last-update. */
  lastUpdate: string;
}

/** A MUD file that does not validate: every problem with its JSON pointer. */
export class MudValidationError extends Error {
  override name = 'MudValidationError';
}

/** The MUD file for the names. */
export function buildMud(device: MudDevice, names: readonly ObservedName[]): MudFile {
  // ACL names are at most 64 characters (ietf-access-control-list); the DUT id is at most 63.
  const aclName = (direction: 'from' | 'to', version: 'ipv4' | 'ipv6') =>
    `${direction}-${version}-${device.id}`.slice(0, 64);
  const acls: Acl[] = [];
  const policies = { from: [] as { name: string }[], to: [] as { name: string }[] };
  for (const version of ['ipv4', 'ipv6'] as const) {
    // A name asked for an address of this version, or answered with one, needs an entry for it.
    const wanted = names.filter((n) =>
      version === 'ipv4' ? n.types.includes('A') || n.ipv4.length > 0 : n.types.includes('AAAA') || n.ipv6.length > 0,
    );
    if (wanted.length === 0) continue;
    for (const direction of ['from', 'to'] as const) {
      const name = aclName(direction, version);
      const field = direction === 'from' ? 'ietf-acldns:dst-dnsname' : 'ietf-acldns:src-dnsname';
      acls.push({
        name,
        type: `${version}-acl-type`,
        aces: {
          ace: wanted.map((n, i) => ({
            name: `${direction}-${version === 'ipv4' ? 'v4' : 'v6'}-${i}`,
            matches: { [version]: { [field]: n.name } },
            actions: { forwarding: 'accept' as const },
          })),
        },
      });
      policies[direction].push({ name });
    }
  }
  return {
    'ietf-mud:mud': {
      'mud-version': 1,
      'mud-url': device.mudUrl,
      'last-update': device.lastUpdate,
      'cache-validity': 48,
      'is-supported': true,
      systeminfo: `${device.vendor} ${device.model}`.slice(0, 60),
      'mfg-name': device.vendor,
      'model-name': device.model,
      ...(device.firmware === null ? {} : { 'firmware-rev': device.firmware }),
      'from-device-policy': { 'access-lists': { 'access-list': policies.from } },
      'to-device-policy': { 'access-lists': { 'access-list': policies.to } },
    },
    'ietf-access-control-list:acls': { acl: acls },
  };
}

/** Problems of a MUD file: schema errors and policy names that name no ACL (leafrefs), each with its JSON pointer. */
export function mudProblems(mud: unknown): string[] {
  const problems: string[] = [];
  if (!validateSchema(mud)) {
    problems.push(
      ...(validateSchema.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      ),
    );
    return problems;
  }
  const file = mud as unknown as MudFile;
  const acls = new Set((file['ietf-access-control-list:acls'].acl ?? []).map((a) => a.name));
  for (const policy of ['from-device-policy', 'to-device-policy'] as const) {
    file['ietf-mud:mud'][policy]?.['access-lists']?.['access-list']?.forEach((entry, i) => {
      if (!acls.has(entry.name))
        problems.push(
          `/ietf-mud:mud/${policy}/access-lists/access-list/${i}/name: "${entry.name}" names no ACL in /ietf-access-control-list:acls/acl (leafref)`,
        );
    });
  }
  return problems;
}

/** Throws {@link MudValidationError} when the MUD file does not validate. */
export function validateMud(mud: unknown, source = 'MUD file'): MudFile {
  const problems = mudProblems(mud);
  if (problems.length > 0)
    throw new MudValidationError(
      `${source} does not validate against RFC 8520 (mud.schema.json): ${problems.join('; ')}`,
    );
  return mud as MudFile;
}
