import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { writeSpecDir } from '../helpers/spec-dir.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A base dir that cannot be made or written stops the build at once, naming it; before, /proc spun forever. */
describe('build --base-dir that cannot be made or written', () => {
  for (const [what, baseDir, message] of [
    ['under a file', 'file/base', 'not a directory'],
    ['under /proc', '/proc/tci-base-dir-test', 'no such file or directory'],
    ['under /sys', '/sys/tci-base-dir-test', 'operation not permitted'],
    ['that is /proc', '/proc', 'no such file or directory'],
  ] as const) {
    it(`${what}: exit 1 naming it, no release`, async () => {
      const dir = await tempDir();
      await mkdir(join(dir, 'spec'));
      await writeSpecDir(join(dir, 'spec'), 'resources: []\n', { name: 'api', source: './api#main' });
      await writeFile(join(dir, 'file'), 'x');
      const r = await runCli(['build', '--base-dir', baseDir, 'spec', 'release.json'], {
        cwd: dir,
        killAfterMs: 10_000,
      });
      assert.equal(r.signal, null, 'build had to be killed');
      assert.equal(r.code, 1);
      const shown = baseDir.startsWith('/') ? baseDir : join(dir, baseDir);
      const what = baseDir === '/proc' ? 'cannot write into the base dir' : 'cannot make the base dir';
      assert.equal(r.stderr, `error: ${shown}: ${what}: ${message}\n`);
      assert.equal(existsSync(join(dir, 'release.json')), false);
    });
  }
});
