import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { configMapRelease } from '../helpers/deploy-release.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * An output directory that cannot be made or written stops deploy with one line naming it and
 * what failed; before, it was `internal error: ENOENT/EPERM …`.
 */
describe('deploy into an output directory that cannot be made or written', () => {
  for (const [where, outDir, message] of [
    [
      'two levels under /proc',
      '/proc/tci-deploy-test/out',
      'cannot make the output directory: no such file or directory (/proc/tci-deploy-test)',
    ],
    ['under /proc', '/proc/tci-deploy-test', 'cannot write the output directory: no such file or directory'],
    [
      'two levels under /sys',
      '/sys/tci-deploy-test/out',
      'cannot make the output directory: operation not permitted (/sys/tci-deploy-test)',
    ],
    ['under /sys', '/sys/tci-deploy-test', 'cannot write the output directory: operation not permitted'],
  ] as const) {
    it(`${where}: exit 1, one line naming it, nothing written`, async () => {
      const dir = await tempDir();
      await writeFile(`${dir}/release.json`, JSON.stringify(configMapRelease(2, 'v')));
      const r = await runCli(['deploy', 'release.json', outDir], { cwd: dir, killAfterMs: 10_000 });
      assert.equal(r.signal, null, 'deploy had to be killed');
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `error: ${outDir}: ${message}\n`);
      assert.deepEqual(await readdir(dir), ['release.json']);
    });
  }
});
