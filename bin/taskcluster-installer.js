#!/usr/bin/env node
// The bundle of the compiled CLI (npm run build); see scripts/bundle-cli.mjs for why.
import '../dist/bundle/main.js';
