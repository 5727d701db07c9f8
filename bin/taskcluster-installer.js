#!/usr/bin/env node
// The bundled CLI, run through its V8 code cache: see src/cli/start.ts and scripts/bundle-cli.mjs.
// CommonJS (bin/package.json), so Node starts without its ES module loader.
require('../dist/bundle/start.js');
