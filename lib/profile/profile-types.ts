/**
 * A profile describes one device under test and how the harness meets it: who the DUT
 * is, where the resolver listens, what the zone holds, how long to observe, and either
 * the behaviour of a simulated device (the harness starts it) or nothing more (a real
 * device on a lab network). Profiles are YAML, validated by `profile.schema.json`; their types are generated from it
 * (profile.generated.ts), as loaded: the validator fills in every default.
 */
import type {
  DeclaredBehaviour,
  DnsconformDeviceProfile,
  DutIdentity as DutIdentityAsWritten,
  ListenSpec as ListenSpecAsLoaded,
} from './profile.generated.ts';

export type {
  CaptureSettings,
  ComMechEntry,
  DeclaredBehaviour,
  EncryptionBehaviour,
  IcsEntry,
  IxitEntry,
  LabAssessment,
  LabDevice,
  LabDhcp,
  LabNetwork,
  LivenessProbeSpec,
  LivenessSpec,
  LookupSpec,
  PaperReference,
  PowerCycleSpec,
  RetryPolicy,
  SignedZoneSpec,
  SimulatedBehaviour,
  SimulatedDevice,
  SourcePortStrategy,
  TtlHandling,
  TxidStrategy,
  WeightedChoice,
  ZoneRecord,
} from './profile.generated.ts';

/**
 * Who the device under test is, as loaded: `addresses` is always there, the loader derives
 * it from the MAC when `network.dhcp` hands the DUT its address.
 */
export type DutIdentity = DutIdentityAsWritten & {
  /** The DUT's IP addresses. Only these get answers from the resolver. */
  addresses: string[];
};

/**
 * One socket the resolver listens on, as the resolver takes it: a listener of the profile
 * (profile.schema.json, one shape per transport) or one a caller builds, whose DoH `path`
 * may be left out (`/dns-query`).
 */
export type ListenSpec = Omit<ListenSpecAsLoaded, 'transport' | 'path'> & {
  transport: ListenSpecAsLoaded['transport'];
  path?: string;
};

/** A validated profile: the type generated from profile.schema.json, with the DUT's addresses derived. */
export type Profile = Omit<DnsconformDeviceProfile, 'dut'> & { dut: DutIdentity };

/** The TS 103 701 IXIT table each list of {@link DeclaredBehaviour} fills, in table order (the report prints them so). */
export const IXIT_TABLES = {
  comMech: '11-ComMech',
  netSecImpl: '12-NetSecImpl',
  intf: '15-Intf',
  resMech: '23-ResMech',
  inpVal: '29-InpVal',
} as const satisfies Record<Exclude<keyof DeclaredBehaviour, 'ttlCapSeconds' | 'dnssecValidation'>, string>;
