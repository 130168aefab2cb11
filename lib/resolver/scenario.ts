/**
 * Scenarios: the resolver's behaviour towards a DUT, as a pipeline of small named
 * primitives (WPT-pipe style: `ttl(0)|forgeA(127.0.0.77)`). Each primitive lives in its
 * own file under `primitives/` and is found by listing that folder, so adding one is
 * adding one file. Primitives edit a planned response; they never touch sockets.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Answer, Question } from 'dns-packet';
import { MODULE_EXTENSION } from '../build/dist-build.ts';
import type { Endpoint, Transport } from '../evidence/events.ts';
import type { RcodeName } from '../dns/codec.ts';
import type { DesignatedResolvers } from './ddr.ts';
import type { SignedZone } from './signed-zone.ts';
import type { Zone } from './zone.ts';
import { BadInputError } from '../evidence/bad-input.ts';

/** The response the resolver is about to send; primitives change it in place. */
export interface ResponsePlan {
  rcode: RcodeName;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** Set when the scenario decides to send nothing; the text says why. */
  drop: string | null;
  /** Force TC=1 (the answer is withheld so the client retries over TCP). */
  truncated: boolean;
  /** Send the whole answer even when it exceeds the client's UDP limit (no TC fallback). */
  exceedClientLimit: boolean;
  /** Identical copies of the response to send (response flooding); 1 normally. */
  copies: number;
  /** Answer without an OPT record even when the query had one. */
  withholdOpt: boolean;
  /** Octets of EDNS(0) Padding (RFC 7830, option 12) to add to the response's OPT record. */
  ednsPadding: number;
  /** Set the AD bit (RFC 4035 §3.2.3): the resolver claims it validated the answer. */
  authenticData: boolean;
  /** Forged answers to send before this one, over UDP (the RFC 5452 race); empty normally. */
  spoofs: SpoofPlan[];
  /** Fully matching answers to send after this one, over UDP, pointing at a canary; null normally. */
  lateAnswers: LateAnswersPlan | null;
}

/**
 * Late answers (draft IOTDNS-D-SIZE-2: "take only the first matching reply"): after the
 * genuine answer, `copies` more replies to the same query (same ID, from the same socket,
 * same question) whose record points at the canary.
 */
export interface LateAnswersPlan {
  canary: string;
  copies: number;
  /** The scenario step that asked for them (filled in by `applyScenario`). */
  step?: string;
}

/** How a spoofed answer differs from what the client should accept (RFC 5452 §9.1). */
export type SpoofKind = 'txid' | 'port' | 'source' | 'question';

/** One spoofed answer to send ahead of the genuine one. */
export interface SpoofPlan {
  kind: SpoofKind;
  /** The canary its record points at; each kind gets its own, so a contact tells which was accepted. */
  canary: string;
  /** For `source`: the harness-owned address it is sent from. */
  from?: string;
  /** The scenario step that asked for it (filled in by `applyScenario`). */
  step?: string;
}

/** What a scenario asks of the listeners themselves rather than of one response. */
export interface ListenerNeeds {
  /** Close the listening sockets while the scenario is in force (the kernel then answers ICMP port unreachable). */
  closed?: boolean;
  /** Addresses spoofed answers are sent from (a socket there on the resolver's port). */
  spoofFrom?: string[];
}

/** A plan for a normal answer: what the zone says, nothing manipulated. */
export function answerPlan(rcode: RcodeName, answers: Answer[] = [], authorities: Answer[] = []): ResponsePlan {
  return {
    rcode,
    answers,
    authorities,
    additionals: [],
    drop: null,
    truncated: false,
    exceedClientLimit: false,
    copies: 1,
    withholdOpt: false,
    ednsPadding: 0,
    authenticData: false,
    spoofs: [],
    lateAnswers: null,
  };
}

/** What a primitive may read about the exchange. */
export interface ExchangeContext {
  dutId: string;
  question: Question;
  client: Endpoint;
  transport: Transport;
  zone: Zone;
  /** Whether the query carried an OPT record (EDNS(0)). */
  queryHasEdns: boolean;
  /** Whether the query set the DO bit (RFC 3225): it wants RRSIGs. */
  dnssecOk?: boolean;
  /** The DUT's signed zone, when its profile has one (bogus-answer primitives need its signatures). */
  signedZone?: SignedZone | null;
  /** The largest response the client said it takes on this transport (512 without EDNS over UDP). */
  clientLimit: number;
  /** The resolver's own encrypted endpoints, for primitives that advertise them (DDR). */
  designatedResolvers?: DesignatedResolvers | null;
}

/** A primitive with its arguments bound, ready to apply. */
export interface ScenarioStep {
  /** Textual form, e.g. `ttl(30)`. */
  text: string;
  name: string;
  /** Changes the plan; returns whether it changed anything (recorded as a manipulation). */
  apply(plan: ResponsePlan, exchange: ExchangeContext): boolean;
  /** What the step asks of the listeners, if anything. */
  listenerNeeds?: ListenerNeeds;
  /** See `PrimitiveDefinition.deterministic`. */
  deterministic: boolean;
}

/** What parsing needs to know to keep forged answers safe. */
export interface ScenarioLimits {
  /** Addresses forged answers may point at: canaries the harness owns. */
  canaries: readonly string[];
}

/** One primitive's definition, the default export of a file in `primitives/`. */
export interface PrimitiveDefinition {
  /** Name as written in scenarios (`forgeA`). */
  name: string;
  /** How it is written with its arguments (`forgeA(canary IPv4 address)`). */
  usage: string;
  /** One line for `dnsconform list` and the report. */
  summary: string;
  /** Binds arguments; throws a message naming the problem when they are wrong. */
  bind(args: string[], limits: ScenarioLimits): (plan: ResponsePlan, exchange: ExchangeContext) => boolean;
  /** For primitives that act on the listeners: what they need, from the same (already checked) arguments. */
  listenerNeeds?(args: string[]): ListenerNeeds;
  /**
   * Whether what the step does to a plan depends on nothing but the plan, the question, the
   * zone, the transport and the query's EDNS (never on the client, the time, a count kept
   * between queries or chance). The resolver then answers a repeated query from the response
   * it built the first time (`responder.ts`, exchange templates).
   */
  deterministic?: boolean;
}

/** A parsed scenario. */
export interface Scenario {
  /** Textual form; `pass-through` when there are no steps. */
  text: string;
  steps: ScenarioStep[];
}

/** A scenario text that does not parse, with which step and why. */
export class ScenarioError extends BadInputError {
  constructor(
    readonly step: string,
    readonly index: number,
    problem: string,
  ) {
    super(`scenario step ${index + 1} "${step}": ${problem}`);
    this.name = 'ScenarioError';
  }
}

const PRIMITIVES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'primitives');

let primitives: Map<string, PrimitiveDefinition> | undefined;

/** Loads every primitive file once (the folder listing is the registry). */
export async function loadPrimitives(): Promise<Map<string, PrimitiveDefinition>> {
  if (primitives) return primitives;
  const found = new Map<string, PrimitiveDefinition>();
  const files = readdirSync(PRIMITIVES_DIR)
    .filter((f) => f.endsWith(MODULE_EXTENSION) && !f.endsWith(`.spec${MODULE_EXTENSION}`) && !f.endsWith('.d.ts'))
    .sort();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(PRIMITIVES_DIR, file)).href)) as { default?: PrimitiveDefinition };
    const definition = module.default;
    if (!definition?.name || typeof definition.bind !== 'function') {
      throw new Error(`${join(PRIMITIVES_DIR, file)}: default export is not a scenario primitive`);
    }
    if (found.has(definition.name)) throw new Error(`scenario primitive "${definition.name}" is defined twice`);
    found.set(definition.name, definition);
  }
  primitives = found;
  return found;
}

const STEP_SYNTAX = /^([A-Za-z][A-Za-z0-9]*)\((.*)\)$/;

/** Parses steps such as `["ttl(30)", "forgeA(127.0.0.77)"]` or one `ttl(30)|forgeA(...)` string. */
export async function parseScenario(steps: readonly string[] | string, limits: ScenarioLimits): Promise<Scenario> {
  const known = await loadPrimitives();
  const texts = (typeof steps === 'string' ? steps.split('|') : [...steps])
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const parsed = texts.map((text, index): ScenarioStep => {
    const match = STEP_SYNTAX.exec(text);
    if (!match) throw new ScenarioError(text, index, 'expected name(arguments), e.g. ttl(30)');
    const name = match[1] ?? '';
    const definition = known.get(name);
    if (!definition) throw new ScenarioError(text, index, `unknown primitive; known: ${[...known.keys()].join(', ')}`);
    const args = (match[2] ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    try {
      const apply = definition.bind(args, limits);
      return {
        text,
        name,
        apply,
        deterministic: definition.deterministic === true,
        ...(definition.listenerNeeds ? { listenerNeeds: definition.listenerNeeds(args) } : {}),
      };
    } catch (error) {
      throw new ScenarioError(text, index, (error as Error).message);
    }
  });
  return { text: parsed.length === 0 ? 'pass-through' : parsed.map((s) => s.text).join('|'), steps: parsed };
}

/** Runs a scenario over a plan; returns the texts of the steps that changed it. */
export function applyScenario(scenario: Scenario, plan: ResponsePlan, exchange: ExchangeContext): string[] {
  const changed: string[] = [];
  for (const step of scenario.steps) {
    if (plan.drop !== null) break;
    if (step.apply(plan, exchange)) changed.push(step.text);
    for (const spoof of plan.spoofs) spoof.step ??= step.text;
    if (plan.lateAnswers) plan.lateAnswers.step ??= step.text;
  }
  return changed;
}

/** What a scenario asks of the listeners, over all its steps. */
export function scenarioListenerNeeds(scenario: Scenario): Required<ListenerNeeds> {
  const needs = scenario.steps.map((s) => s.listenerNeeds ?? {});
  return {
    closed: needs.some((n) => n.closed === true),
    spoofFrom: [...new Set(needs.flatMap((n) => n.spoofFrom ?? []))],
  };
}
