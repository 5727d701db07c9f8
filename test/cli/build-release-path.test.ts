import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

it('a release path the build cannot write is an error naming it, not a bug', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'spec'));
  await writeFile(join(dir, 'spec', 'build.yml'), 'repositories: []\n');
  await writeFile(join(dir, 'spec', 'deploy.yml'), 'resources: []\n');
  await mkdir(join(dir, 'release.json'));
  const r = await runCli(['build', '--base-dir', 'base', 'spec', 'release.json'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^error: \S*\/release\.json: cannot write the release: illegal operation on a directory$/m,
  );
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
});
