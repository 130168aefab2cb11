/** `dnsconform list`: the checks (id, clauses, severity, decision rule) and the scenario primitives. */
import { Command } from 'commander';
import { discoverChecks } from '../checks/discover.ts';
import { loadPrimitives } from '../resolver/scenario.ts';

export function listCommand(): Command {
  return new Command('list')
    .description('list the checks and the scenario primitives')
    .option('--json', 'print the checks as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const checks = await discoverChecks();
      if (options.json) {
        console.log(JSON.stringify(checks.map((c) => ({ id: c.id, ...c.meta })), null, 2));
        return;
      }
      console.log(`${checks.length} checks`);
      for (const c of checks) {
        console.log(`  ${c.id}\n      ${c.meta.title}`);
        console.log(`      ${c.meta.keyword}, ${c.meta.severity}; paper Rec #${c.meta.covers.paper.join(', #')}; draft ${c.meta.covers.draft.join(', ') || '-'}; EN 303 645 ${c.meta.covers.etsi.join(', ') || '-'}`);
        console.log(`      rule: ${c.meta.decisionRule.text}`);
      }
      const primitives = await loadPrimitives();
      console.log(`\n${primitives.size} scenario primitives`);
      for (const p of primitives.values()) console.log(`  ${p.usage.padEnd(40)} ${p.summary}`);
    });
}
