/**
 * The shared core of the forging primitives: replace the answer to a query of the given
 * type with one record for the canary, keeping the TTL the genuine answer had.
 */
import type { ExchangeContext, ResponsePlan } from './scenario.ts';

/** TTL of a forged record when there was no genuine one to copy. */
const DEFAULT_FORGED_TTL = 300;

export function forgeAddress(plan: ResponsePlan, exchange: ExchangeContext, type: 'A' | 'AAAA', canary: string): boolean {
  if (exchange.question.type !== type) return false;
  const genuine = plan.answers.find((rr) => rr.type === type);
  const ttl = genuine && 'ttl' in genuine && typeof genuine.ttl === 'number' ? genuine.ttl : DEFAULT_FORGED_TTL;
  plan.rcode = 'NOERROR';
  plan.answers = [{ name: exchange.question.name, type, class: 'IN', ttl, data: canary }];
  plan.authorities = [];
  return true;
}
