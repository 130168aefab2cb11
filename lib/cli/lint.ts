/** `dnsconform lint`: the suites and catalogues held to their contract (lib/lint/lint.ts). */
import { Command } from 'commander';
import { lintSuites } from '../lint/lint.ts';
import { EXIT } from './exit-codes.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

export function lintCommand(): Command {
  return new Command('lint')
    .description(COMMAND_SUMMARIES.lint.description)
    .option('--json', 'print the findings as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await lintSuites();
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
      } else {
        for (const f of result.findings) console.log(`${f.file}${f.pointer ? ` ${f.pointer}` : ''}: ${f.message}`);
        console.log(
          `lint: ${result.checks} checks, ${result.clauses} catalogue clauses, ${result.findings.length} problem${result.findings.length === 1 ? '' : 's'}`,
        );
      }
      if (result.findings.length > 0) process.exitCode = EXIT.NOT_CONFORMANT;
    });
}
