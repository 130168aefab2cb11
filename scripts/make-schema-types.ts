/**
 * Writes the TypeScript types of every JSON Schema under lib/ beside it
 * (scripts/schema-types.ts says how and why).
 *
 * Usage: npm run schema-types
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFileOf, ROOT, schemaFiles, schemaTypes } from './schema-types.ts';

for (const schema of schemaFiles()) {
  writeFileSync(join(ROOT, generatedFileOf(schema)), await schemaTypes(schema));
  console.log(`${schema} -> ${generatedFileOf(schema)}`);
}
