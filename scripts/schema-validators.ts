/**
 * Validators compiled ahead of time from the JSON Schemas under lib/ (Ajv's standalone
 * code): each `lib/<stage>/<name>.schema.json` gives `lib/<stage>/<name>.validator.generated.ts`
 * beside it, committed, which the code imports instead of compiling the schema when it
 * loads. Compiling them at load time cost `analyze` about 0.4 s of CPU before any work
 * (the report schema alone 0.2 s). The Ajv options of each schema are set here, once.
 * test/schema-types.spec.ts regenerates them all and requires the committed text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import af from 'ajv-formats';
import sc from 'ajv/dist/standalone/index.js';
import { ROOT } from './schema-types.ts';

const addFormats = af as unknown as typeof af.default;
const standaloneCode = sc as unknown as typeof sc.default;

/** How a schema is compiled: its JSON Schema dialect, Ajv's options, and whether formats are checked. */
interface ValidatorSpec {
  dialect: 'draft-07' | '2020-12';
  options: Options;
  formats: boolean;
}

/**
 * Input files (profiles, plans, experiments, catalogues, lab.yaml) read by `loadYamlInput`
 * (lib/input/yaml-input.ts): defaults filled in, every problem reported.
 */
const INPUT_FILE: ValidatorSpec = {
  dialect: 'draft-07',
  options: {
    allErrors: true,
    useDefaults: true,
    discriminator: true,
    strictSchema: true,
    strictTypes: false,
    strictRequired: false,
  },
  formats: true,
};

/** Every schema under lib/ and how its validator is compiled. */
export const VALIDATORS: Readonly<Record<string, ValidatorSpec>> = {
  'lib/allowlist/mud.schema.json': {
    dialect: '2020-12',
    options: { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true },
    formats: true,
  },
  // tsType: the TypeScript type json-schema-to-typescript gives a part the schema leaves open (the passive metrics).
  'lib/analysis/analyze-output.schema.json': {
    dialect: 'draft-07',
    options: { allErrors: true, strict: true, keywords: ['tsType'] },
    formats: false,
  },
  'lib/catalogue/draft-clauses.schema.json': INPUT_FILE,
  'lib/catalogue/en-303-645.schema.json': INPUT_FILE,
  'lib/catalogue/recommendations.schema.json': INPUT_FILE,
  'lib/checks/check-meta.schema.json': {
    dialect: 'draft-07',
    options: { allErrors: true, strict: true },
    formats: false,
  },
  'lib/diff/diff.schema.json': {
    dialect: '2020-12',
    options: { allErrors: true, strict: true, allowUnionTypes: true },
    formats: true,
  },
  'lib/experiments/experiment.schema.json': INPUT_FILE,
  'lib/experiments/plan.schema.json': INPUT_FILE,
  'lib/profile/profile.schema.json': INPUT_FILE,
  'lib/report/lab-config.schema.json': INPUT_FILE,
  'lib/report/report.schema.json': {
    dialect: '2020-12',
    options: { allErrors: true, strict: true, allowUnionTypes: true },
    formats: true,
  },
};

/** The generated validator of a schema: `x/name.schema.json` → `x/name.validator.generated.ts`. */
export function validatorFileOf(schemaFile: string): string {
  return schemaFile.replace(/\.schema\.json$/, '.validator.generated.ts');
}

/**
 * The validator module of one schema (a file relative to `root`): Ajv's standalone code as
 * an ES module whose default export is the validate function. The code calls `require` for
 * Ajv's runtime helpers and ajv-formats' formats, which an ES module lacks: it gets one of its
 * own (under another name, so the module also runs where tsx compiles it to CommonJS).
 */
export function schemaValidator(schemaFile: string, root: string = ROOT): string {
  const spec = VALIDATORS[schemaFile];
  if (spec === undefined) throw new Error(`${schemaFile}: no validator options in scripts/schema-validators.ts`);
  const schema = JSON.parse(readFileSync(join(root, schemaFile), 'utf8')) as object;
  const options: Options = { ...spec.options, code: { source: true, esm: true } };
  const ajv = spec.dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  if (spec.formats) addFormats(ajv);
  const code = standaloneCode(ajv, ajv.compile(schema)).replace(/\brequire\(/g, 'requireRuntime(');
  const name = schemaFile.split('/').pop();
  return `// @ts-nocheck
/* Generated from ${name} by scripts/make-schema-types.ts (Ajv standalone code, options in scripts/schema-validators.ts): do not edit; edit the schema and run npm run schema-types. */
import { createRequire } from 'node:module';
const requireRuntime = createRequire(import.meta.url);
${code}
`;
}
