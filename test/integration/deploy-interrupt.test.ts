import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { configMapRelease } from '../helpers/deploy-release.js';
import { cliPath } from '../helpers/run-cli.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const release = configMapRelease;

test('a deploy killed with SIGKILL while writing leaves the previous output directory as it was', async () => {
  const dir = await tempDir();
  const out = join(dir, 'out');
  await writeFile(join(dir, 'old.json'), JSON.stringify(release(3, 'old')));
  const first = await runCli(['deploy', join(dir, 'old.json'), out], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const before = await readdir(out);

  await writeFile(join(dir, 'big.json'), JSON.stringify(release(20000, 'x'.repeat(2000))));
  const child = spawn(process.execPath, [cliPath, 'deploy', join(dir, 'big.json'), out], {
    cwd: dir,
    stdio: 'ignore',
  });
  // Kill as soon as the temporary directory beside the target holds files.
  for (;;) {
    const tmp = (await readdir(dir)).find((n) => n.startsWith('.out.tmp-'));
    if (tmp !== undefined && (await readdir(join(dir, tmp)).catch(() => [])).length > 0) break;
    if (child.exitCode !== null) assert.fail('deploy finished before it could be killed');
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  assert.deepEqual(await readdir(out), before);
  assert.match(await readFile(join(out, 'ConfigMap-cm-0.json'), 'utf8'), /"v": "old"/);

  // The next run is not confused by the leftovers and replaces the directory.
  const again = await runCli(['deploy', join(dir, 'old.json'), out], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await readdir(out), before);
});

test('a deploy that fails its checks leaves the previous output directory as it was', async () => {
  const dir = await tempDir();
  const out = join(dir, 'out');
  await writeFile(join(dir, 'ok.json'), JSON.stringify(release(2, 'old')));
  assert.equal((await runCli(['deploy', join(dir, 'ok.json'), out], { cwd: dir })).code, 0);
  const bad = release(2, 'new') as { deploy: { resources: { 'each(i)': { data: unknown } } } };
  bad.deploy.resources['each(i)'].data = 'not a map';
  await writeFile(join(dir, 'bad.json'), JSON.stringify(bad));
  const r = await runCli(['deploy', join(dir, 'bad.json'), out], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'error: ConfigMap-cm-0.json: data: must be object\nerror: ConfigMap-cm-1.json: data: must be object\n',
  );
  assert.match(await readFile(join(out, 'ConfigMap-cm-0.json'), 'utf8'), /"v": "old"/);
});
