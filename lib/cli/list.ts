/**
 * `dnsconform list`: the checks (id, clauses, severity, decision rule) and the scenario
 * primitives; with `--coverage`, every clause of every catalogue and the checks covering it.
 */
import { Command } from 'commander';
import { discoverChecks } from '../checks/discover.ts';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { coverage } from '../checks/coverage.ts';
import type { CoverageRow } from '../checks/coverage.ts';
import { loadCatalogues } from '../catalogue/load-catalogues.ts';
import { loadPrimitives } from '../resolver/scenario.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const SOURCE_TITLES = {
  paper: 'Paper recommendations',
  draft: 'IETF draft clauses',
  etsi: 'EN 303 645 provisions',
} as const;

/** The coverage table for a terminal: one block per catalogue, then the counts. */
export function formatCoverage(rows: CoverageRow[], catalogues: Catalogues): string {
  const lines: string[] = [];
  for (const source of ['paper', 'draft', 'etsi'] as const) {
    const own = rows.filter((r) => r.source === source);
    lines.push(`${SOURCE_TITLES[source]} (${catalogues.files[source]})`);
    if (source === 'draft' && catalogues.draft.clauses.some((c) => !c.verified)) {
      lines.push(
        `  provisional clause mapping: ${catalogues.draft.clauses.filter((c) => !c.verified).length} of ${catalogues.draft.clauses.length} clauses not checked against ${catalogues.draft.document}-${catalogues.draft.targetRevision}`,
      );
    }
    if (source === 'etsi') lines.push(`  ${catalogues.etsi.numberingNote}`);
    const width = Math.max(...own.map((r) => r.clause.length));
    for (const row of own) {
      lines.push(
        `  ${row.clause.padEnd(width)}  ${row.status.padEnd(14)}  ${row.checks.length > 0 ? row.checks.join(', ') : '-'}`,
      );
      if (row.reason !== null) lines.push(`  ${' '.repeat(width)}  ${' '.repeat(14)}  ${row.reason}`);
    }
    const counts = new Map<string, number>();
    for (const row of own) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
    lines.push(`  ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')} of ${own.length}`, '');
  }
  return lines.join('\n');
}

export function listCommand(): Command {
  return new Command('list')
    .description(COMMAND_SUMMARIES.list.description)
    .option('--json', 'print as JSON (the checks, or with --coverage the coverage rows)')
    .option(
      '--coverage',
      'every recommendation, draft clause and EN 303 645 provision, the checks covering it, and why the rest are not',
    )
    .action(async (options: { json?: boolean; coverage?: boolean }) => {
      const checks = await discoverChecks();
      if (options.coverage) {
        const catalogues = loadCatalogues();
        const rows = coverage(catalogues, checks);
        console.log(options.json ? JSON.stringify(rows, null, 2) : formatCoverage(rows, catalogues));
        return;
      }
      if (options.json) {
        console.log(
          JSON.stringify(
            checks.map((c) => ({ id: c.id, ...c.meta })),
            null,
            2,
          ),
        );
        return;
      }
      console.log(`${checks.length} checks`);
      for (const c of checks) {
        console.log(`  ${c.id}\n      ${c.meta.title}`);
        console.log(
          `      ${c.meta.keyword}, ${c.meta.severity}; paper Rec #${c.meta.covers.paper.join(', #')}; draft ${c.meta.covers.draft.join(', ') || '-'}; EN 303 645 ${c.meta.covers.etsi.join(', ') || '-'}`,
        );
        console.log(`      rule: ${c.meta.decisionRule.text}`);
      }
      const primitives = await loadPrimitives();
      console.log(`\n${primitives.size} scenario primitives`);
      for (const p of primitives.values()) console.log(`  ${p.usage.padEnd(40)} ${p.summary}`);
    });
}
