/**
 * TypeScript types generated from the JSON Schemas under lib/ (json-schema-to-typescript,
 * pinned as a devDependency): each `lib/<stage>/<name>.schema.json` gives
 * `lib/<stage>/<name>.generated.ts` beside it, committed, so each format has one source of
 * truth (the schema) and code imports its types from the generated file.
 * test/schema-types.spec.ts regenerates them all and requires the committed text.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import type { JSONSchema } from 'json-schema-to-typescript';

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

/**
 * Schemas of input files the loaders validate with Ajv's `useDefaults`
 * (`compileSchema`, lib/input/yaml-input.ts): every property with a `default` is there once
 * the file is loaded, so its generated type has it required. The code reads loaded documents,
 * never the text as written; the schema itself keeps such properties optional for authors.
 */
export const DEFAULTS_FILLED: ReadonlySet<string> = new Set([
  'lib/profile/profile.schema.json',
  'lib/experiments/plan.schema.json',
]);

/**
 * A copy of a schema in which each object's properties that have a `default` are required,
 * where Ajv fills defaults in: an object's `properties`, and the branches of a `oneOf` with a
 * `discriminator` (not other `oneOf`/`anyOf`/`not` branches, where Ajv fills nothing in).
 */
export function withDefaultsRequired(schema: unknown): unknown {
  const walk = (node: unknown, fills: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, fills));
    if (node === null || typeof node !== 'object') return node;
    const object = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(object)) {
      if (key === 'properties' && value !== null && typeof value === 'object')
        out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, walk(sub, fills)]));
      else if (key === 'oneOf' || key === 'anyOf' || key === 'not')
        out[key] = walk(value, fills && key === 'oneOf' && 'discriminator' in object);
      else if (key === 'enum' || key === 'const' || key === 'default' || key === 'required') out[key] = value;
      else out[key] = walk(value, fills || key === 'definitions' || key === '$defs');
    }
    const properties = object.properties as Record<string, Record<string, unknown>> | undefined;
    if (fills && properties !== undefined) {
      const defaulted = Object.keys(properties).filter((name) => 'default' in (properties[name] ?? {}));
      if (defaulted.length > 0)
        out.required = [...new Set([...((object.required as string[] | undefined) ?? []), ...defaulted])];
    }
    return out;
  };
  return walk(schema, true);
}

/** The TypeScript text generated from one schema (a file relative to `root`). */
export async function schemaTypes(schemaFile: string, root: string = ROOT): Promise<string> {
  const text = JSON.parse(readFileSync(join(root, schemaFile), 'utf8')) as JSONSchema;
  const schema = DEFAULTS_FILLED.has(schemaFile) ? (withDefaultsRequired(text) as JSONSchema) : text;
  const name = schemaFile.split('/').pop();
  const filled = DEFAULTS_FILLED.has(schemaFile)
    ? " Properties with a default are required: the loader's validator fills them in."
    : '';
  const body = await compile(schema, name ?? schemaFile, {
    cwd: join(root, schemaFile, '..'),
    bannerComment: `/* Generated from ${name} by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types.${filled} */`,
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
