/**
 * Every check's requirement quotes the clause catalogues word for word: each
 * `Paper Recommendation #N: "…"`, `Draft ID (…): "…"` and `EN 303 645 provision ID (…): "…"`
 * in it must carry the catalogue's text for that id (suites/requirement-text.ts writes them so),
 * every quoted clause must be one the check covers, and every check quotes at least one.
 */
import { expect } from 'chai';
import { loadCatalogues } from '../lib/catalogue/load-catalogues.ts';
import { discoverChecks } from '../lib/checks/discover.ts';
import type { ClauseCoverage } from '../lib/checks/check-types.ts';
import { draftClause, recommendation } from './requirement-text.ts';

const catalogues = loadCatalogues();
const checks = await discoverChecks();

/** A clause quoted in a requirement: which catalogue, its id, and the words inside the quotes. */
interface Quote {
  catalogue: keyof ClauseCoverage;
  id: string;
  text: string;
}

const QUOTE =
  /(?:Paper Recommendation #(?<paper>\d+)|Draft (?<draft>IOTDNS-[A-Z]+-[A-Z]+-\d+) \([^)]*\)|EN 303 645 provision (?<etsi>[\d.-]+) \([^)]*\)): "(?<text>[^"]*)"/g;

/** The quotes of a requirement, by the three forms suites/requirement-text.ts writes. */
function quotesIn(requirement: string): Quote[] {
  return [...requirement.matchAll(QUOTE)].map((m) => {
    const g = m.groups!;
    const catalogue = g.paper ? 'paper' : g.draft ? 'draft' : 'etsi';
    return { catalogue, id: (g.paper ?? g.draft ?? g.etsi)!, text: g.text! };
  });
}

/** The catalogue's words for a clause, or undefined when the id is not in it. */
function catalogueText({ catalogue, id }: Quote): string | undefined {
  if (catalogue === 'paper') return catalogues.paper.recommendations.find((r) => r.id === id)?.text;
  if (catalogue === 'draft') return catalogues.draft.clauses.find((c) => c.id === id)?.requirement;
  return catalogues.etsi.provisions.find((p) => p.id === id)?.text;
}

/** Quotes whose words differ from the catalogue's, as `id: quoted ≠ catalogue`. */
function drifted(requirement: string): string[] {
  return quotesIn(requirement)
    .filter((q) => catalogueText(q) !== q.text)
    .map((q) => `${q.id}: "${q.text}" ≠ "${catalogueText(q) ?? '(not in the catalogue)'}"`);
}

describe('check requirements quote the clause catalogues', () => {
  it('finds a drifted quote (the test can fail)', () => {
    // The wording caching/ttl-zero-no-storm once carried for IOTDNS-D-TTL-1.
    const old = 'Draft IOTDNS-D-TTL-1 (proposed): "TTL 0 means do not cache but must not cause a query flood."';
    expect(drifted(old)).to.have.length(1);
    expect(drifted(`${draftClause('IOTDNS-D-TTL-1')} ${recommendation('8')}`)).to.deep.equal([]);
    expect(quotesIn(`${draftClause('IOTDNS-D-TTL-1')} ${recommendation('8')}`)).to.have.length(2);
  });

  for (const check of checks) {
    it(`${check.id}: every quote is the catalogue's text of a clause the check covers`, () => {
      const quotes = quotesIn(check.meta.requirement);
      expect(quotes, check.meta.requirement).to.not.be.empty;
      expect(drifted(check.meta.requirement)).to.deep.equal([]);
      for (const quote of quotes) expect(check.meta.covers[quote.catalogue], quote.id).to.include(quote.id);
    });
  }
});
