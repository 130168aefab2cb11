/**
 * A DNSSEC-signed zone in the lab (draft IOTDNS-D-VAL-2, paper Recommendation #7): the
 * profile's records under one apex, signed by `ldns-signzone` (Debian ldnsutils) with keys
 * the lab keeps (`keyDir`, so the trust anchor a device is configured with stays the same
 * from run to run) or that `ldns-keygen` makes for the run. Signing is left to that kept
 * tool; this module only writes its input zone file, reads back its output, and serves the
 * signatures: RRSIGs beside each RRset and NSEC proofs in negative answers, when the query
 * set DO (RFC 4035 §3.1).
 *
 * The same keys also sign a second copy of the zone whose address records point at the
 * canary, with a validity period that ended a week ago: the `expired` bogus variant, a
 * signature that is genuine and verifies but is out of date (RFC 4035 §5.3.1); and a copy
 * that holds only the apex (SOA, NS, DNSKEY), whose single NSEC runs from the apex back to
 * itself: the valid denials the zone would serve with every other name removed, which
 * `rcode(NXDOMAIN)` sends a validating device.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Answer } from 'dns-packet';
import { canonicalCompare, isAtOrBelow } from '../dns/dnssec.ts';
import type { SignedZoneSpec, ZoneRecord } from '../profile/profile-types.ts';
import { NEGATIVE_TTL_SECONDS } from './zone.ts';
import type { ZoneAnswer } from './zone.ts';
import { normaliseName } from '../dns/names.ts';

const run = promisify(execFile);

/** The trust anchor a validating device is configured with, in the forms validators read. */
export interface TrustAnchor {
  apex: string;
  /** The DS record in zone-file form (`apex. IN DS tag 13 2 digest`): Unbound `trust-anchor`, dnsmasq `--trust-anchor`. */
  ds: string;
  /** The key tag, algorithm, digest type and hex digest of that DS. */
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: string;
  /** The DNSKEY record in zone-file form. */
  dnskey: string;
}

/** ECDSA P-256 with SHA-256 (RFC 6605): small signatures, so signed answers fit 1232 octets. */
const ALGORITHM = 'ECDSAP256SHA256';
/** Validity of the genuine signatures: from a day ago (clock skew) to thirty days ahead. */
const VALID_FROM_SECONDS = -86_400;
const VALID_UNTIL_SECONDS = 30 * 86_400;
/**
 * Validity of the expired variant's signatures: ended seven days ago, well beyond the skew
 * validators allow (Unbound: at most one day, `val-sig-skew-max`).
 */
const EXPIRED_FROM_SECONDS = -37 * 86_400;
const EXPIRED_UNTIL_SECONDS = -7 * 86_400;

function absolute(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** RFC 4034 §3.2 time (YYYYMMDDHHmmSS, UTC) to seconds since the epoch. */
function parseDnssecTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a DNSSEC time`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/** One line of a zone file in the form `ldns-signzone` writes: `owner ttl class type rdata`. */
interface ZoneLine {
  owner: string;
  ttl: number;
  type: string;
  rdata: string[];
}

/** Splits `ldns-signzone` output into lines of fields (tab-separated, `;` comments dropped). */
function zoneLines(text: string): ZoneLine[] {
  return text
    .split('\n')
    .map((line) => line.replace(/;.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('$'))
    .map((line) => {
      const [owner, ...fields] = line.split(/\s+/);
      // The TTL and class are optional (the .ds and .key files ldns-keygen writes have no TTL).
      const ttl = /^\d+$/.test(fields[0] ?? '') ? Number(fields.shift()) : 0;
      if (fields[0] === 'IN') fields.shift();
      const [type, ...rest] = fields;
      return { owner: normaliseName(owner ?? ''), ttl, type: type ?? '', rdata: rest };
    });
}

/**
 * The DNSSEC records of a signed zone file in dns-packet's form. Written here because no kept
 * npm library reads RRSIG/DNSKEY/NSEC presentation form into dns-packet's objects; the input
 * is only ever `ldns-signzone`'s own canonical output (one record per line, no parentheses).
 */
function dnssecRecord(line: ZoneLine): Answer | null {
  const f = line.rdata;
  const base = { name: line.owner, class: 'IN' as const, ttl: line.ttl };
  switch (line.type) {
    case 'RRSIG':
      return {
        ...base,
        type: 'RRSIG',
        data: {
          typeCovered: f[0]!,
          algorithm: Number(f[1]),
          labels: Number(f[2]),
          originalTTL: Number(f[3]),
          expiration: parseDnssecTime(f[4]!),
          inception: parseDnssecTime(f[5]!),
          keyTag: Number(f[6]),
          signersName: normaliseName(f[7]!),
          signature: Buffer.from(f.slice(8).join(''), 'base64'),
        },
      };
    case 'DNSKEY':
      return {
        ...base,
        type: 'DNSKEY',
        data: { flags: Number(f[0]), algorithm: Number(f[2]), key: Buffer.from(f.slice(3).join(''), 'base64') },
      };
    case 'NSEC':
      return { ...base, type: 'NSEC', data: { nextDomain: normaliseName(f[0]!), rrtypes: f.slice(1) } };
    default:
      return null;
  }
}

/** The apex SOA's RDATA (the same Zone.negativeSoa synthesises for unsigned names). */
const SOA_DATA = {
  mname: 'ns.dnsconform.invalid',
  rname: 'hostmaster.dnsconform.invalid',
  serial: 1,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: NEGATIVE_TTL_SECONDS,
};

/** The SOA every negative answer of the signed zone carries (the record that was signed). */
function apexSoa(apex: string): Answer {
  return { name: apex, type: 'SOA', class: 'IN', ttl: NEGATIVE_TTL_SECONDS, data: { ...SOA_DATA } };
}

/** The zone file `ldns-signzone` signs: the apex SOA and NS, and the profile's records under the apex. */
function zoneFileText(apex: string, records: readonly ZoneRecord[]): string {
  const soa = SOA_DATA;
  const lines = [
    `${absolute(apex)} ${NEGATIVE_TTL_SECONDS} IN SOA ${absolute(soa.mname)} ${absolute(soa.rname)} ${soa.serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`,
    `${absolute(apex)} ${NEGATIVE_TTL_SECONDS} IN NS ns.dnsconform.invalid.`,
  ];
  for (const record of records) {
    const data =
      record.type === 'CNAME' || record.type === 'NS'
        ? absolute(record.data)
        : record.type === 'MX'
          ? record.data
              .split(/\s+/)
              .map((part, i) => (i === 1 ? absolute(part) : part))
              .join(' ')
          : record.type === 'TXT'
            ? JSON.stringify(record.data)
            : record.data;
    lines.push(`${absolute(record.name)} ${record.ttl} IN ${record.type} ${data}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A key pair the lab keeps, or one made now: the base name `ldns-signzone` takes. */
async function keyBase(spec: SignedZoneSpec, workDir: string): Promise<string> {
  if (spec.keyDir) {
    const prefix = `K${absolute(normaliseName(spec.apex))}+`;
    const found = readdirSync(spec.keyDir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.private'))
      .sort();
    if (found.length === 0)
      throw new Error(
        `${spec.keyDir}: no key for ${spec.apex} (expected ${prefix}<alg>+<tag>.private, as ldns-keygen writes it)`,
      );
    return join(spec.keyDir, found[0]!.replace(/\.private$/, ''));
  }
  const { stdout } = await run('ldns-keygen', ['-a', ALGORITHM, '-k', absolute(normaliseName(spec.apex))], {
    cwd: workDir,
  });
  return join(workDir, stdout.trim());
}

async function signZone(zoneFile: string, key: string, fromSeconds: number, untilSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { stdout } = await run(
    'ldns-signzone',
    ['-f', '-', '-i', String(now + fromSeconds), '-e', String(now + untilSeconds), zoneFile, key],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** RRSIGs by `owner|covered type`. */
type SignatureIndex = Map<string, Answer[]>;

function indexSignatures(records: readonly Answer[]): SignatureIndex {
  const index: SignatureIndex = new Map();
  for (const rr of records) {
    if (rr.type !== 'RRSIG') continue;
    const key = `${normaliseName(rr.name)}|${rr.data.typeCovered}`;
    index.set(key, [...(index.get(key) ?? []), rr]);
  }
  return index;
}

/** A copy of a record owned by `owner` (the case the client used). */
function ownedBy(rr: Answer, owner: string): Answer {
  return { ...rr, name: owner } as Answer;
}

/** The signed zone, ready to serve. */
export class SignedZone {
  readonly apex: string;
  private readonly signatures: SignatureIndex;
  private readonly expiredSignatures: Map<string, SignatureIndex>;
  /** NSEC records in canonical order (as `ldns-signzone` writes them). */
  private readonly nsecs: Answer[];
  private readonly dnskeys: Answer[];
  private readonly nameServers: Answer[];
  /** The same zone, signed with the same keys, holding only its apex (see {@link emptiedAnswer}). */
  private readonly emptied: SignedZone | null;

  /**
   * `expiredTexts`: per IPv4 canary, the signed copy of the zone whose A records point at it,
   * with signatures that expired; `emptiedText`: the signed copy holding only the apex (see
   * {@link buildSignedZone}).
   */
  constructor(
    apex: string,
    signedText: string,
    expiredTexts: ReadonlyMap<string, string>,
    readonly trustAnchor: TrustAnchor,
    emptiedText?: string,
  ) {
    this.apex = normaliseName(apex);
    const records = zoneLines(signedText)
      .map(dnssecRecord)
      .filter((rr): rr is Answer => rr !== null);
    this.signatures = indexSignatures(records);
    this.expiredSignatures = new Map(
      [...expiredTexts].map(([canary, text]) => [
        canary,
        indexSignatures(
          zoneLines(text)
            .map(dnssecRecord)
            .filter((rr): rr is Answer => rr !== null),
        ),
      ]),
    );
    this.nsecs = records.filter((rr) => rr.type === 'NSEC');
    this.dnskeys = records.filter((rr) => rr.type === 'DNSKEY');
    this.nameServers = [
      { name: this.apex, type: 'NS', class: 'IN', ttl: NEGATIVE_TTL_SECONDS, data: 'ns.dnsconform.invalid' },
    ];
    this.emptied = emptiedText === undefined ? null : new SignedZone(apex, emptiedText, new Map(), trustAnchor);
  }

  /** Whether the zone holds `name` (the name exists: it owns an NSEC). */
  private exists(name: string): boolean {
    return this.nsecs.some((rr) => rr.name === normaliseName(name));
  }

  /** Whether answers for `name` come from this zone. */
  covers(name: string): boolean {
    return isAtOrBelow(normaliseName(name), this.apex);
  }

  /**
   * The zone's answer for a question at or below the apex, refined from the plain zone's: the
   * apex's own SOA, NS and DNSKEY; NODATA (not NXDOMAIN) for names that exist; the apex SOA in
   * negative answers; and with `dnssecOk`, an RRSIG beside every RRset and NSEC proofs.
   */
  answer(name: string, type: string, plain: ZoneAnswer, dnssecOk: boolean): ZoneAnswer {
    let { rcode, answers } = plain;
    const isApex = normaliseName(name) === this.apex;
    if (isApex && (type === 'SOA' || type === 'NS' || type === 'DNSKEY')) {
      const records = type === 'SOA' ? [apexSoa(this.apex)] : type === 'NS' ? this.nameServers : this.dnskeys;
      answers = records.map((rr) => ownedBy(rr, name));
      rcode = 'NOERROR';
    } else if (rcode === 'NXDOMAIN' && this.exists(name)) {
      rcode = 'NOERROR';
    }
    const negative = !answers.some((rr) => rr.type === type);
    const lastAlias = [...answers].reverse().find((rr) => rr.type === 'CNAME');
    const finalOwner = lastAlias?.type === 'CNAME' ? lastAlias.data : name;
    const authorities: Answer[] =
      negative && (rcode === 'NXDOMAIN' || answers.length === 0 || this.covers(finalOwner)) ? [apexSoa(this.apex)] : [];
    if (!dnssecOk) return { rcode, answers, authorities };
    const signedAnswers = this.withSignatures(answers, this.signatures);
    const proofs: Answer[] = [];
    if (negative && authorities.length > 0) {
      if (rcode === 'NXDOMAIN') {
        proofs.push(...this.coveringNsec(finalOwner), ...this.coveringNsec(`*.${this.apex}`));
      } else {
        const own = this.nsecs.find((rr) => rr.name === normaliseName(finalOwner));
        if (own) proofs.push(own);
      }
    }
    const unique = [...new Set(proofs)];
    return {
      rcode,
      answers: signedAnswers,
      authorities: this.withSignatures([...authorities, ...unique], this.signatures),
    };
  }

  /**
   * The signed answer, to a query with DO, the zone would give if it held only its apex: the
   * apex's SOA, NS and DNSKEY as they are; NODATA for any other type at the apex; NXDOMAIN for
   * every other name, proved by the apex NSEC whose next name is the apex itself (it covers
   * every name below, the wildcard too). A valid denial of existence: a validating device can
   * take it and cache it (RFC 2308, RFC 4035 §5.4). Null for a zone built without that copy.
   */
  emptiedAnswer(name: string, type: string): ZoneAnswer | null {
    return this.emptied?.answer(name, type, { rcode: 'NXDOMAIN', answers: [], authorities: [] }, true) ?? null;
  }

  /** Each RRset of `records` followed by its RRSIGs from `index` (records outside the zone stay unsigned). */
  withSignatures(records: readonly Answer[], index: SignatureIndex = this.signatures): Answer[] {
    const out: Answer[] = [];
    const done = new Set<string>();
    for (const rr of records) {
      out.push(rr);
      const key = `${normaliseName(rr.name)}|${rr.type}`;
      const isLastOfSet = !records
        .slice(records.indexOf(rr) + 1)
        .some((other) => `${normaliseName(other.name)}|${other.type}` === key);
      if (!isLastOfSet || done.has(key)) continue;
      done.add(key);
      out.push(...(index.get(key) ?? []).map((sig) => ownedBy(sig, rr.name)));
    }
    return out;
  }

  /** The canaries an expired copy of the zone was signed for. */
  get expiredCanaries(): string[] {
    return [...this.expiredSignatures.keys()];
  }

  /** The expired RRSIGs over `owner`'s `type` RRset in the copy of the zone whose A records point at `canary` (none for another canary). */
  expiredSignaturesFor(canary: string, owner: string, type: string): Answer[] {
    return (this.expiredSignatures.get(canary)?.get(`${normaliseName(owner)}|${type}`) ?? []).map((sig) =>
      ownedBy(sig, owner),
    );
  }

  /** The NSEC whose owner is before `name` and whose next name is after it (wrapping at the end). */
  private coveringNsec(name: string): Answer[] {
    const covering = [...this.nsecs].reverse().find((rr) => canonicalCompare(rr.name, name) < 0);
    return covering ? [covering] : this.nsecs.slice(-1);
  }
}

/** Parses the DS file `ldns-keygen` writes (and the DNSKEY from the `.key` file). */
function readTrustAnchor(apex: string, key: string): TrustAnchor {
  const dsLine = zoneLines(readFileSync(`${key}.ds`, 'utf8')).find((l) => l.type === 'DS');
  const keyLine = readFileSync(`${key}.key`, 'utf8').replace(/;.*$/m, '').trim();
  if (!dsLine) throw new Error(`${key}.ds: no DS record`);
  const [keyTag, algorithm, digestType, digest] = dsLine.rdata;
  return {
    apex: normaliseName(apex),
    ds: `${absolute(normaliseName(apex))} IN DS ${dsLine.rdata.join(' ')}`,
    keyTag: Number(keyTag),
    algorithm: Number(algorithm),
    digestType: Number(digestType),
    digest: (digest ?? '').toLowerCase(),
    dnskey: keyLine.split(/\s+/).join(' '),
  };
}

/**
 * Signs the profile's records under `spec.apex`, writing into `outDir` the zone files (plain
 * and signed) and `trust-anchor.ds`, for each IPv4 canary an expired copy whose A records
 * point at it (the `expired` bogus variant), and the copy that holds only the apex (the
 * emptied zone `rcode(NXDOMAIN)` serves with DO).
 */
export async function buildSignedZone(
  spec: SignedZoneSpec,
  records: readonly ZoneRecord[],
  outDir: string,
  canaries: readonly string[],
): Promise<SignedZone> {
  const apex = normaliseName(spec.apex);
  mkdirSync(outDir, { recursive: true });
  // A key made for the run lives in a private temporary directory, never in the evidence.
  const keyDir = spec.keyDir ? null : mkdtempSync(join(tmpdir(), 'dnsconform-key-'));
  try {
    const inZone = records.filter((r) => isAtOrBelow(normaliseName(r.name), apex));
    const key = await keyBase(spec, keyDir ?? outDir);
    const zoneFile = join(outDir, `${apex}.zone`);
    writeFileSync(zoneFile, zoneFileText(apex, inZone));
    const emptiedFile = join(outDir, `${apex}.emptied.zone`);
    writeFileSync(emptiedFile, zoneFileText(apex, []));
    const signing = [
      signZone(zoneFile, key, VALID_FROM_SECONDS, VALID_UNTIL_SECONDS),
      signZone(emptiedFile, key, VALID_FROM_SECONDS, VALID_UNTIL_SECONDS),
    ];
    const ipv4Canaries = canaries.filter((c) => isIP(c) === 4);
    ipv4Canaries.forEach((canary, i) => {
      const expiredFile = join(outDir, `${apex}.expired-${i + 1}.zone`);
      writeFileSync(
        expiredFile,
        zoneFileText(
          apex,
          inZone.map((r) => (r.type === 'A' ? { ...r, data: canary } : r)),
        ),
      );
      signing.push(signZone(expiredFile, key, EXPIRED_FROM_SECONDS, EXPIRED_UNTIL_SECONDS));
    });
    const [signed, emptied, ...expired] = await Promise.all(signing);
    writeFileSync(`${zoneFile}.signed`, signed!);
    writeFileSync(`${emptiedFile}.signed`, emptied!);
    ipv4Canaries.forEach((_, i) => writeFileSync(join(outDir, `${apex}.expired-${i + 1}.zone.signed`), expired[i]!));
    const anchor = readTrustAnchor(apex, key);
    writeFileSync(join(outDir, 'trust-anchor.ds'), `${anchor.ds}\n`);
    return new SignedZone(
      apex,
      signed!,
      new Map(ipv4Canaries.map((canary, i) => [canary, expired[i]!])),
      anchor,
      emptied!,
    );
  } finally {
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  }
}
