/**
 * Writes the TypeScript types and the compiled validator of every JSON Schema under lib/
 * beside it (scripts/schema-types.ts and scripts/schema-validators.ts say how and why).
 *
 * Usage: npm run schema-types
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFileOf, ROOT, schemaFiles, schemaTypes } from './schema-types.ts';
import { schemaValidator, validatorFileOf } from './schema-validators.ts';

for (const schema of schemaFiles()) {
  writeFileSync(join(ROOT, generatedFileOf(schema)), await schemaTypes(schema));
  writeFileSync(join(ROOT, validatorFileOf(schema)), schemaValidator(schema));
  console.log(`${schema} -> ${generatedFileOf(schema)}, ${validatorFileOf(schema)}`);
}
