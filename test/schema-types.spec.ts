/**
 * One source of truth per format: the TypeScript types and the compiled validator of each
 * JSON Schema under lib/ are generated from it (npm run schema-types, scripts/schema-types.ts
 * and scripts/schema-validators.ts) into the committed `<name>.generated.ts` and
 * `<name>.validator.generated.ts` beside it. Regenerating must give the committed text, so a
 * schema edited without regenerating (or a generated file edited by hand) fails here.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFileOf, ROOT, schemaFiles, schemaTypes, withDefaultsRequired } from '../scripts/schema-types.ts';
import { schemaValidator, VALIDATORS, validatorFileOf } from '../scripts/schema-validators.ts';

describe('types generated from the JSON Schemas are in sync', () => {
  const schemas = schemaFiles();

  it('finds the schemas under lib/', () => {
    expect(schemas).to.include.members(['lib/report/report.schema.json', 'lib/profile/profile.schema.json']);
  });

  it('every generated file has its schema (a generated file is never written by hand)', () => {
    const generated = readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.generated.ts'))
      .map((path) => join('lib', path))
      .sort();
    expect(generated).to.deep.equal([...schemas.map(generatedFileOf), ...schemas.map(validatorFileOf)].sort());
  });

  it('every schema has its Ajv options, and no options are left without their schema', () => {
    expect(Object.keys(VALIDATORS).sort()).to.deep.equal(schemas);
  });

  it('types loaded input with its defaults filled in: where Ajv fills them, a property with a default is required', () => {
    const schema = {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        window: { type: 'number', default: 60 },
        probe: {
          type: 'object',
          discriminator: { propertyName: 'kind' },
          oneOf: [{ properties: { kind: { const: 'tcp' }, timeoutMs: { type: 'integer', default: 1000 } } }],
        },
        choice: { oneOf: [{ type: 'object', properties: { weight: { type: 'number', default: 1 } } }] },
      },
    };
    expect(withDefaultsRequired(schema)).to.deep.equal({
      ...schema,
      required: ['name', 'window'],
      properties: {
        ...schema.properties,
        probe: {
          ...schema.properties.probe,
          oneOf: [{ ...schema.properties.probe.oneOf[0], required: ['timeoutMs'] }],
        },
      },
    });
  });

  for (const schema of schemas) {
    it(`${generatedFileOf(schema)} is what ${schema} generates`, async () => {
      const file = join(ROOT, generatedFileOf(schema));
      expect(existsSync(file), `${generatedFileOf(schema)} missing: npm run schema-types`).to.equal(true);
      expect(readFileSync(file, 'utf8'), `${generatedFileOf(schema)} is stale: npm run schema-types`).to.equal(
        await schemaTypes(schema),
      );
    });

    it(`${validatorFileOf(schema)} is the validator ${schema} compiles to`, () => {
      const file = join(ROOT, validatorFileOf(schema));
      expect(existsSync(file), `${validatorFileOf(schema)} missing: npm run schema-types`).to.equal(true);
      expect(readFileSync(file, 'utf8'), `${validatorFileOf(schema)} is stale: npm run schema-types`).to.equal(
        schemaValidator(schema),
      );
    });
  }
});
