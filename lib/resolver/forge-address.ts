/**
 * The forging primitives (`forgeA`, `forgeAAAA`): replace the answer to a query of one
 * address type with a single record for a canary, keeping the TTL the genuine answer had.
 */
import { requireArgs, requireCanary } from './canary.ts';
import type { ExchangeContext, PrimitiveDefinition, ResponsePlan } from './scenario.ts';

/** TTL of a forged record when there was no genuine one to copy. */
const DEFAULT_FORGED_TTL = 300;

function forge(plan: ResponsePlan, exchange: ExchangeContext, type: 'A' | 'AAAA', canary: string): boolean {
  if (exchange.question.type !== type) return false;
  const genuine = plan.answers.find((rr) => rr.type === type);
  const ttl = genuine && 'ttl' in genuine && typeof genuine.ttl === 'number' ? genuine.ttl : DEFAULT_FORGED_TTL;
  plan.rcode = 'NOERROR';
  plan.answers = [{ name: exchange.question.name, type, class: 'IN', ttl, data: canary }];
  plan.authorities = [];
  return true;
}

/** A primitive `<name>(canary)` that forges answers of `type` towards an IPv`family` canary. */
export function forgingPrimitive(name: string, type: 'A' | 'AAAA', family: 4 | 6): PrimitiveDefinition {
  const usage = `${name}(canary IPv${family} address)`;
  return {
    name,
    usage,
    summary: `answer ${type} queries with a single ${type} record for the canary address`,
    deterministic: true,
    bind(args, limits) {
      requireArgs(args, 1, usage);
      const canary = requireCanary(args[0], family, limits);
      return (plan, exchange) => forge(plan, exchange, type, canary);
    },
  };
}
