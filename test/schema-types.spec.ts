/**
 * One source of truth per format: the TypeScript types of each JSON Schema under lib/ are
 * generated from it (npm run schema-types, scripts/schema-types.ts) into the committed
 * `<name>.generated.ts` beside it. Regenerating must give the committed text, so a schema
 * edited without regenerating (or a generated file edited by hand) fails here.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFileOf, ROOT, schemaFiles, schemaTypes } from '../scripts/schema-types.ts';

describe('types generated from the JSON Schemas are in sync', () => {
  const schemas = schemaFiles();

  it('finds the schemas under lib/', () => {
    expect(schemas).to.include.members(['lib/report/report.schema.json', 'lib/profile/profile.schema.json']);
  });

  for (const schema of schemas) {
    it(`${generatedFileOf(schema)} is what ${schema} generates`, async () => {
      const file = join(ROOT, generatedFileOf(schema));
      expect(existsSync(file), `${generatedFileOf(schema)} missing: npm run schema-types`).to.equal(true);
      expect(readFileSync(file, 'utf8'), `${generatedFileOf(schema)} is stale: npm run schema-types`).to.equal(
        await schemaTypes(schema),
      );
    });
  }
});
