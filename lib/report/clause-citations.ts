/**
 * What a report's clause citations mean, read in the clause catalogues: for each result,
 * every draft clause with its reference and whether it is verified against the draft's
 * text, and every EN 303 645 provision with its ICS status and the TS 103 701 test cases its
 * verdict bears on; for the report, the draft mapping in force and the catalogue files by
 * digest. All of it is derived from the catalogues, so confirming the draft's text or a new
 * ETSI numbering changes the report through the data alone.
 */
import { basename } from 'node:path';
import { icsStatusLabel, testCaseIds } from '../catalogue/catalogue-types.ts';
import type { Catalogues, EtsiProvision } from '../catalogue/catalogue-types.ts';
import { draftReference } from '../checks/coverage.ts';
import type { CheckResult } from '../checks/check-types.ts';
import type { DraftMapping, ReportCitations, ResultTraceability } from './report-types.ts';

/** A result or the profile cites a clause the catalogues do not have: the report cannot say what it means. */
export class CatalogueCitationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueCitationError';
  }
}

/** The catalogue's provision `id`; `citer` names who cites it when it is missing. */
export function citedProvision(catalogues: Catalogues, id: string, citer: string): EtsiProvision {
  const provision = catalogues.etsi.provisions.find((p) => p.id === id);
  if (provision === undefined)
    throw new CatalogueCitationError(
      `${citer} cites EN 303 645 provision ${id}, which ${catalogues.files.etsi} does not have`,
    );
  return provision;
}

/** What the clauses one result cites mean, in the order it cites them. */
export function resultTraceability(
  result: Pick<CheckResult, 'check' | 'covers'>,
  catalogues: Catalogues,
): ResultTraceability {
  const { document } = catalogues.draft;
  return {
    draft: result.covers.draft.map((id) => {
      const clause = catalogues.draft.clauses.find((c) => c.id === id);
      if (clause === undefined)
        throw new CatalogueCitationError(
          `check ${result.check} cites draft clause ${id}, which ${catalogues.files.draft} does not have`,
        );
      const { keyword, verified, section, revision } = clause;
      return { clause: id, keyword, verified, section, revision, reference: draftReference(clause, document) };
    }),
    etsi: result.covers.etsi.map((id) => {
      const provision = citedProvision(catalogues, id, `check ${result.check}`);
      return {
        provision: id,
        icsStatus: icsStatusLabel(provision),
        // TS 103 701 numbers each provision's test group as the provision.
        testGroup: provision.id,
        functionalTestCases: testCaseIds(provision, 'functional'),
        conceptualTestCases: testCaseIds(provision, 'conceptual'),
        ixit: [...provision.ixit],
      };
    }),
  };
}

/** The sentence a report states about its draft clause mapping. */
export function draftMappingStatement(mapping: Omit<DraftMapping, 'statement'>): string {
  const draft = `${mapping.document}-${mapping.revision}`;
  if (mapping.status === 'provisional') {
    return (
      `Provisional clause mapping: the draft's text was not available; clause ids are the harness's proposal (${draft}), ` +
      `sections unconfirmed. Cited clauses not verified against the draft: ${mapping.unverified.join(', ')}.`
    );
  }
  if (mapping.status === 'verified') {
    return `Every cited clause of ${mapping.document} (${mapping.cited.join(', ')}) is verified against the draft's text and cited with its section.`;
  }
  return `No result cites a clause of ${mapping.document}.`;
}

/**
 * The draft mapping the results' citations add up to. The validator calls it again on a
 * report's own results, so the statement can never disagree with them.
 */
export function draftMapping(traces: readonly ResultTraceability[], document: string, revision: string): DraftMapping {
  const citations = traces.flatMap((t) => t.draft);
  const cited = [...new Set(citations.map((c) => c.clause))].sort();
  const unverified = [...new Set(citations.filter((c) => !c.verified).map((c) => c.clause))].sort();
  const status = cited.length === 0 ? 'not-cited' : unverified.length > 0 ? 'provisional' : 'verified';
  const mapping = { status, document, revision, cited, unverified } as const;
  return { ...mapping, statement: draftMappingStatement(mapping) };
}

/** How the report's clause numbers are to be read, from the catalogues it was built with. */
export function reportCitations(traces: readonly ResultTraceability[], catalogues: Catalogues): ReportCitations {
  const { paper, draft, etsi } = catalogues;
  const file = (source: keyof Catalogues['files']) => ({
    file: basename(catalogues.files[source]),
    sha256: catalogues.sha256[source],
  });
  return {
    etsiEdition: `${etsi.standard} ${etsi.version} / ${etsi.testSpecification}`,
    draftMapping: draftMapping(traces, draft.document, draft.targetRevision),
    catalogues: { paper: file('paper'), draft: file('draft'), etsi: file('etsi') },
    notes: [etsi.numberingNote, `Paper recommendations are numbered as in ${paper.source}.`],
  };
}
