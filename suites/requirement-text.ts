/**
 * A check's requirement, quoted from the clause catalogues by id (suites/catalogues/), so the
 * words a report quotes are the catalogue's and cannot drift from it. A check writes its
 * requirement as {@link requirementText} of these quotes and its own sentences (what an RFC
 * adds, what the check leaves out); suites/requirement-text.spec.ts holds every quote in every
 * check's requirement to the catalogue text.
 */
import { projectCatalogues } from '../lib/catalogue/load-catalogues.ts';

const catalogues = projectCatalogues();

function lookup<T extends { id: string }>(list: readonly T[], id: string, what: string): T {
  const found = list.find((item) => item.id === id);
  if (!found) throw new Error(`${what} ${id} is not in the catalogue`);
  return found;
}

/** `Paper Recommendation #5: "…"`, the recommendation's words from recommendations.yaml. */
export function recommendation(id: string): string {
  return `Paper Recommendation #${id}: "${lookup(catalogues.paper.recommendations, id, 'paper recommendation').text}"`;
}

/** `Draft IOTDNS-D-TTL-1 (proposed): "…"`, the clause from draft-clauses.yaml (its section once verified). */
export function draftClause(id: string): string {
  const clause = lookup(catalogues.draft.clauses, id, 'draft clause');
  const where = clause.verified && clause.section !== null ? `§${clause.section}` : 'proposed';
  return `Draft ${id} (${where}): "${clause.requirement}"`;
}

/** `EN 303 645 provision 5.9-3 (paraphrased): "…"`, the provision as en-303-645.yaml words it. */
export function etsiProvision(id: string): string {
  return `EN 303 645 provision ${id} (paraphrased): "${lookup(catalogues.etsi.provisions, id, 'EN 303 645 provision').text}"`;
}

/** The requirement: quotes and the check's own sentences, in order, one space apart. */
export function requirementText(...parts: string[]): string {
  return parts.join(' ');
}
