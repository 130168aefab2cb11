/* Generated from plan.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. Properties with a default are required: the loader's validator fills them in. */

/**
 * What happens to the DUT before a phase observes: power-cycle it, so answers cached earlier cannot mask the phase (simulated devices are restarted, a lab device by its profile's command or by the operator), or ask the operator to do what 'prompt' says and wait for Enter.
 *
 * This interface was referenced by `DnsconformCertificationPlan`'s JSON-Schema
 * via the `definition` "trigger".
 */
export type PhaseTrigger = "power-cycle" | "operator";

/**
 * Which experiments a run goes through, in order, and how long each observes.
 */
export interface DnsconformCertificationPlan {
  /**
   * What the plan is for, in words.
   */
  description: string;
  /**
   * needed: only phases whose experiment a selected check uses (plus the first baseline); all: every phase.
   */
  select: "needed" | "all";
  /**
   * A certification plan: --checks cannot leave out a mandatory check (one citing an EN 303 645 provision of status M that the ICS does not declare N/A), and every mandatory check needs a phase of its experiments here.
   */
  certification: boolean;
  /**
   * End a phase before its window once every check that needs its experiment has settled its verdict (sequential decision); the report gives the reason.
   */
  earlyStop: boolean;
  /**
   * @minItems 1
   */
  phases: PlanPhase[];
}
/**
 * One phase of a plan: an experiment observed for a window.
 */
export interface PlanPhase {
  /**
   * The experiment's id (its definition's file name).
   */
  experiment: string;
  /**
   * Phase name when the experiment appears more than once (default: the experiment id).
   */
  name?: string;
  /**
   * How long the phase observes the DUT, in seconds.
   */
  windowSeconds: number;
  trigger?: PhaseTrigger;
  /**
   * What the operator is asked to do (trigger: operator).
   */
  prompt?: string;
}
