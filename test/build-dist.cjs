// Mocha global setup: builds dist/ (scripts/build.js; a no-op while it is fresh) before any
// spec runs, so the command line and the simulated devices that specs start run compiled
// JavaScript instead of compiling TypeScript at every launch. CommonJS for mocha's `require`.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

exports.mochaGlobalSetup = function buildDist() {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.js')], { stdio: 'inherit' });
};
