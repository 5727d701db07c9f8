import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * A bundle whose start compiles a sizeable function, then (with LONG set) allocates until V8
 * has run 12 full collections, as a cold build does while its install runs.
 */
const body = Array.from({ length: 300 }, (_, i) => `  s += (i * ${i}) % 7;`).join('\n');
const bundleSource = `function start(i) {\n  let s = 0;\n${body}\n  return s;\n}
start(1);
if (process.env.LONG) {
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  let major = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
  }).observe({ entryTypes: ['gc'] });
  let keep = [];
  const t = setInterval(() => {
    for (let i = 0; i < 2e4; i++) keep.push({ i, s: 'x' + i });
    if (keep.length > 2e5) keep = [];
    if (major >= 12) clearInterval(t);
  }, 0);
}
`;

/** Runs the bundle through runWithCodeCache in a process of its own; returns the cache's size. */
async function cacheAfterRun(long: boolean): Promise<number> {
  const dir = await tempDir();
  const bundle = join(dir, 'bundle.js');
  writeFileSync(bundle, bundleSource);
  const runner = join(dir, 'run.mts');
  writeFileSync(
    runner,
    `import { runWithCodeCache } from ${JSON.stringify(join(repoRoot, 'src/cli/code-cache.ts'))};\n` +
      `runWithCodeCache({ bundle: ${JSON.stringify(bundle)}, cacheDir: ${JSON.stringify(join(dir, 'cache'))}, command: 'build' });\n`,
  );
  execFileSync(process.execPath, ['--import', 'tsx', runner], {
    cwd: repoRoot,
    env: { ...process.env, LONG: long ? '1' : '' },
  });
  const [file] = readdirSync(join(dir, 'cache'));
  return statSync(join(dir, 'cache', file ?? '')).size;
}

describe('runWithCodeCache', () => {
  it('a cache written at the end of a long run still holds what its start compiled', async () => {
    const short = await cacheAfterRun(false);
    const long = await cacheAfterRun(true);
    // Without it the start's functions are gone (V8 drops idle bytecode): a few hundred bytes.
    assert.ok(short > 5_000, `short run: ${short} bytes`);
    assert.ok(long >= short, `long run: ${long} bytes, short run: ${short}`);
  });
});
