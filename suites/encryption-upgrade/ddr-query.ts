/** DDR's own question in the evidence: the checks of the ddr-upgrade experiment set it apart. */
import type { QueryEvent } from '../../lib/evidence/events.ts';
import { DDR_QUERY_NAME } from '../../lib/resolver/ddr.ts';
import { normaliseName } from '../../lib/dns/names.ts';

/** Whether a query is DDR's `_dns.resolver.arpa` SVCB question (sent over port 53 by design, RFC 9462 §4). */
export function isDdrQuery(query: QueryEvent): boolean {
  const question = query.questions[0];
  return question !== undefined && question.type === 'SVCB' && normaliseName(question.name) === DDR_QUERY_NAME;
}
