/**
 * `dnsconform lint`: the suites held to their contract. Every check loads with valid
 * metadata and a unique id; every clause it cites exists in the catalogues; its Table I
 * column belongs to a recommendation it covers; its experiments exist; it has a passing and
 * a failing fixture (an observation check: an info fixture) and an inconclusive one (too
 * little evidence); every fixture belongs to a
 * check; every clause of every catalogue is covered by a check or explained.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { CheckLoadError, checkFiles, loadCheck, SUITES_DIR } from '../checks/discover.ts';
import { FIXTURE_KINDS, fixtureFiles, fixtureOf, fixturesOf, requiredFixtureKinds } from '../checks/check-fixtures.ts';
import type { LoadedCheck } from '../checks/check-types.ts';
import { DEFINITIONS_DIR, loadExperiments } from '../experiments/catalogue.ts';
import { InputFileError } from '../input/yaml-input.ts';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { coverage } from '../checks/coverage.ts';
import { CATALOGUES_DIR, loadCatalogues } from '../catalogue/load-catalogues.ts';

/** One problem lint found: where (file, and JSON pointer into it when there is one) and what. */
export interface LintFinding {
  file: string;
  /** JSON pointer into the check's default export or the catalogue file; empty for the whole file. */
  pointer: string;
  message: string;
}

/** What lint looked at and what it found. */
export interface LintResult {
  checks: number;
  clauses: number;
  findings: LintFinding[];
}

/** Where lint looks; the defaults are the project's folders. */
export interface LintOptions {
  suitesDir?: string;
  cataloguesDir?: string;
  experimentsDir?: string;
}

function findingsOfInput(error: InputFileError): LintFinding[] {
  return error.problems.map((p) => ({
    file: error.file,
    pointer: p.pointer,
    message: `${p.message}${p.line ? ` (line ${p.line})` : ''}`,
  }));
}

async function loadEveryCheck(suitesDir: string): Promise<{ checks: LoadedCheck[]; findings: LintFinding[] }> {
  const checks: LoadedCheck[] = [];
  const findings: LintFinding[] = [];
  for (const file of checkFiles(suitesDir)) {
    try {
      checks.push(await loadCheck(file, suitesDir));
    } catch (error) {
      if (!(error instanceof CheckLoadError)) throw error;
      findings.push({ file: error.file, pointer: error.pointer, message: error.problem });
    }
  }
  return { checks, findings };
}

/** Ids that collide when case is ignored (two files a case-insensitive file system would merge). */
function duplicateIds(checks: LoadedCheck[]): LintFinding[] {
  const seen = new Map<string, LoadedCheck>();
  return checks.flatMap((check) => {
    const key = check.id.toLowerCase();
    const first = seen.get(key);
    seen.set(key, first ?? check);
    return first === undefined
      ? []
      : [{ file: check.file, pointer: '', message: `check id ${check.id} is also the id of ${first.file}` }];
  });
}

const CLAUSE_NAMES = { paper: 'recommendation', draft: 'draft clause', etsi: 'EN 303 645 provision' } as const;

function citations(check: LoadedCheck, catalogues: Catalogues): LintFinding[] {
  const known = {
    paper: new Set(catalogues.paper.recommendations.map((r) => r.id)),
    draft: new Set(catalogues.draft.clauses.map((c) => c.id)),
    etsi: new Set(catalogues.etsi.provisions.map((p) => p.id)),
  };
  const findings = (['paper', 'draft', 'etsi'] as const).flatMap((source) =>
    check.meta.covers[source].flatMap((clause, i) =>
      known[source].has(clause)
        ? []
        : [
            {
              file: check.file,
              pointer: `/meta/covers/${source}/${i}`,
              message: `cites ${CLAUSE_NAMES[source]} ${clause}, which ${catalogues.files[source]} does not have`,
            },
          ],
    ),
  );
  const column = check.meta.tableI;
  if (column !== undefined) {
    const owners = catalogues.paper.recommendations.filter((r) => r.tableIColumn === column).map((r) => r.id);
    if (!owners.some((id) => check.meta.covers.paper.includes(id))) {
      findings.push({
        file: check.file,
        pointer: '/meta/tableI',
        message: `feeds Table I column ${column}, which belongs to Recommendation #${owners.join(', #')}, but covers none of them`,
      });
    }
  }
  return findings;
}

function experimentsOf(check: LoadedCheck, experiments: Set<string>): LintFinding[] {
  return check.meta.experiments.flatMap((id, i) =>
    id === '*' || experiments.has(id)
      ? []
      : [
          {
            file: check.file,
            pointer: `/meta/experiments/${i}`,
            message: `needs experiment ${id}, which has no definition`,
          },
        ],
  );
}

function fixtures(check: LoadedCheck): LintFinding[] {
  return requiredFixtureKinds(check.file)
    .filter((kind) => !existsSync(fixtureOf(check.file, kind)))
    .map((kind) => ({ file: fixtureOf(check.file, kind), pointer: '', message: `${check.id} has no ${kind} fixture` }));
}

/** Fixture files that name no check beside them (a renamed check leaves its fixtures behind). */
function orphanFixtures(suitesDir: string, checks: LoadedCheck[]): LintFinding[] {
  const owned = new Set(checks.flatMap((c) => FIXTURE_KINDS.flatMap((kind) => fixturesOf(c.file, kind))));
  return fixtureFiles(suitesDir)
    .filter((file) => !owned.has(file))
    .map((file) => ({
      file,
      pointer: '',
      message: `fixture of no check (a fixture is fixtures/<check>.<${FIXTURE_KINDS.join('|')}>[.<variant>].ndjson beside its check)`,
    }));
}

/** Lints the suites and catalogues; a clean project gives no findings. */
export async function lintSuites(options: LintOptions = {}): Promise<LintResult> {
  const suitesDir = options.suitesDir ?? SUITES_DIR;
  const findings: LintFinding[] = [];
  let catalogues: Catalogues | undefined;
  try {
    catalogues = loadCatalogues(options.cataloguesDir ?? CATALOGUES_DIR);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    findings.push(...findingsOfInput(error));
  }
  const experiments = new Set(loadExperiments(options.experimentsDir ?? DEFINITIONS_DIR).keys());
  const loaded = await loadEveryCheck(suitesDir);
  findings.push(...loaded.findings, ...duplicateIds(loaded.checks));
  for (const check of loaded.checks) {
    if (catalogues !== undefined) findings.push(...citations(check, catalogues));
    findings.push(...experimentsOf(check, experiments), ...fixtures(check));
  }
  findings.push(...orphanFixtures(suitesDir, loaded.checks));
  const rows = catalogues === undefined ? [] : coverage(catalogues, loaded.checks);
  for (const row of rows.filter((r) => r.status === 'uncovered')) {
    const file = catalogues!.files[row.source];
    findings.push({
      file,
      pointer: '',
      message: `${CLAUSE_NAMES[row.source]} ${row.clause}: ${row.reason ?? 'uncovered'} (cite it from a check, or give notTestedReason)`,
    });
  }
  for (const row of rows.filter((r) => r.status === 'covered')) {
    const item =
      row.source === 'draft'
        ? catalogues!.draft.clauses.find((c) => c.id === row.clause)
        : row.source === 'etsi'
          ? catalogues!.etsi.provisions.find((p) => p.id === row.clause)
          : undefined;
    if (item?.notTestedReason !== undefined) {
      findings.push({
        file: catalogues!.files[row.source],
        pointer: '',
        message: `${CLAUSE_NAMES[row.source]} ${row.clause} says it is not tested, but ${row.checks.join(', ')} cite it`,
      });
    }
  }
  return {
    checks: loaded.checks.length,
    clauses: rows.length,
    findings: findings.map((f) => ({ ...f, file: relativeToCwd(f.file) })),
  };
}

function relativeToCwd(file: string): string {
  const path = relative(process.cwd(), file);
  return path.startsWith('..') ? file : path;
}
