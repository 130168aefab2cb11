/**
 * TypeScript types generated from the JSON Schemas under lib/ (json-schema-to-typescript,
 * pinned as a devDependency): each `lib/<stage>/<name>.schema.json` gives
 * `lib/<stage>/<name>.generated.ts` beside it, committed, so each format has one source of
 * truth (the schema) and code imports its types from the generated file.
 * test/schema-types.spec.ts regenerates them all and requires the committed text.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileFromFile } from 'json-schema-to-typescript';

/** The project root. */
export const ROOT = join(import.meta.dirname, '..');

/** Every schema under lib/, relative to the root, sorted. */
export function schemaFiles(root: string = ROOT): string[] {
  return readdirSync(join(root, 'lib'), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.schema.json'))
    .sort()
    .map((path) => join('lib', path));
}

/** The generated file of a schema: `x/name.schema.json` → `x/name.generated.ts`. */
export function generatedFileOf(schemaFile: string): string {
  return schemaFile.replace(/\.schema\.json$/, '.generated.ts');
}

/** The TypeScript text generated from one schema (a file relative to `root`). */
export async function schemaTypes(schemaFile: string, root: string = ROOT): Promise<string> {
  const body = await compileFromFile(join(root, schemaFile), {
    cwd: join(root, schemaFile, '..'),
    bannerComment: `/* Generated from ${schemaFile.split('/').pop()} by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */`,
    // Properties the schema does not name are refused by its validator; say so in the type.
    additionalProperties: false,
    // Every $defs entry becomes a named type, so code can import the parts it needs.
    unreachableDefinitions: true,
    // Arrays as arrays: the validator enforces minItems; tuples would only make code awkward.
    ignoreMinAndMaxItems: true,
    format: true,
  });
  return body;
}
