#!/usr/bin/env node
// Entry point: runs the compiled JavaScript of dist/ when it is fresh (`npm run build`; it
// starts in a fraction of a second), else the TypeScript sources through tsx, which compiles
// them at every launch. Either way the same code runs: a stale dist/ is never used.
// DNSCONFORM_FROM_SOURCE=1 runs the sources even when dist/ is fresh.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = join(import.meta.dirname, '..', 'dist', 'lib');
const fresh =
  process.env.DNSCONFORM_FROM_SOURCE !== '1' &&
  (await import(pathToFileURL(join(dist, 'build', 'dist-build.js')).href).then(
    (build) => build.distIsFresh(),
    () => false,
  ));
let main;
if (fresh) {
  ({ main } = await import(pathToFileURL(join(dist, 'cli', 'main.js')).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../lib/cli/main.ts'));
}
process.exitCode = await main(process.argv);
