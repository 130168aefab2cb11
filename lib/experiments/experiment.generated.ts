/* Generated from experiment.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * One adversarial condition: a named composition of scenario primitives. The file name is its id.
 */
export interface DnsconformExperiment {
  /**
   * One line, what the condition is.
   */
  title: string;
  /**
   * Where the condition comes from (paper Table III row, RFC section, draft clause).
   */
  source: string;
  /**
   * The condition in words.
   */
  description: string;
  /**
   * Primitives in order; {canary4} and {canary6} stand for the profile's first IPv4 and IPv6 canary, {canary4:n} and {canary6:n} for the n-th.
   */
  scenario: string[];
  /**
   * The paper's recommendations (numbers) the condition tests.
   */
  recommendations: string[];
  /**
   * What the harness's DHCP server does when the phase starts (change-resolver: hand out network.dhcp.resolverChange from now on). The experiment runs only when a profile has network.dhcp.
   */
  dhcp?: "change-resolver";
  /**
   * The experiment acts only on answers of a profile's signed zone (signedZone); it runs only when a profile has one.
   */
  needsSignedZone?: true;
}
