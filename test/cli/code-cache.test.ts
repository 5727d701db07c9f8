import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const spec = join(repoRoot, 'examples/spec');
const ok = `${spec}: 3 repositories (2 services), ok\n`;

/** A run of the CLI with its cache folder (`$XDG_CACHE_HOME/taskcluster-installer`) in `home`. */
const validate = (home: string, env: NodeJS.ProcessEnv = {}, specPath = spec) =>
  runCli(
    [
      'validate',
      ...['--deploy-config', join(repoRoot, 'examples/deploy-config.yml')],
      ...['--infra-info', join(repoRoot, 'examples/infra.json'), specPath],
    ],
    { cwd: home, env: { XDG_CACHE_HOME: home, ...env } },
  );

const cacheFiles = (home: string) => {
  const dir = join(home, 'taskcluster-installer/code-cache');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

describe('the V8 code cache of the bundled CLI', () => {
  it('is written by the first successful run of a command and read, unchanged, by the next', async () => {
    const home = await tempDir();
    const first = await validate(home);
    assert.equal(first.stdout, ok, first.stderr);
    const files = cacheFiles(home);
    assert.equal(files.length, 1);
    assert.match(files[0] ?? '', /^main\.validate\.[0-9a-f]{8}\.v20\.\d+\.\d+-\w+-\d+-\d+\.bin$/);
    const file = join(home, 'taskcluster-installer/code-cache', files[0] ?? '');
    const written = statSync(file);
    assert.ok(written.size > 10_000);
    assert.equal(written.mode & 0o777, 0o600);

    const second = await validate(home);
    assert.equal(second.stdout, ok);
    assert.equal(second.stderr, '');
    assert.equal(statSync(file).mtimeMs, written.mtimeMs, 'an accepted cache is not written again');

    // Another command has a cache of its own.
    assert.equal((await runCli(['--version'], { env: { XDG_CACHE_HOME: home } })).code, 0);
    assert.equal(cacheFiles(home).length, 2);
  });

  it('a damaged cache file is rejected, the command runs as usual, and the file is replaced', async () => {
    const home = await tempDir();
    await validate(home);
    const [name] = cacheFiles(home);
    const file = join(home, 'taskcluster-installer/code-cache', name ?? '');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const r = await validate(home);
    assert.equal(r.stdout, ok);
    assert.equal(r.stderr, '');
    assert.notDeepEqual(readFileSync(file), Buffer.alloc(4096, 7));
  });

  it('the cache of an older build of the bundle is replaced, that of another installation kept', async () => {
    const home = await tempDir();
    await validate(home);
    const dir = join(home, 'taskcluster-installer/code-cache');
    const [current = ''] = cacheFiles(home);
    const installation = current.split('.').slice(0, 3).join('.');
    const olderBuilds = [`${installation}.v20.0.0-x64-1-1.bin`, `${installation}.v20.20.2-x64-1-2.bin`];
    const otherInstallation = 'main.validate.0badcafe.v20.20.2-x64-1-2.bin';
    for (const f of [...olderBuilds, otherInstallation]) writeFileSync(join(dir, f), 'old');
    writeFileSync(join(dir, current), 'damaged');
    await validate(home);
    assert.deepEqual(cacheFiles(home), [otherInstallation, current].sort());
  });

  it('a failed command writes no cache', async () => {
    const home = await tempDir();
    const r = await validate(home, {}, join(home, 'no-such-spec'));
    assert.equal(r.code, 1);
    assert.deepEqual(cacheFiles(home), []);
  });

  it('TASKCLUSTER_INSTALLER_CODE_CACHE=off runs without one', async () => {
    const home = await tempDir();
    const r = await validate(home, { TASKCLUSTER_INSTALLER_CODE_CACHE: 'off' });
    assert.equal(r.stdout, ok);
    assert.deepEqual(readdirSync(home), []);
  });

  it('a cache folder that cannot be made costs nothing but the cache', async () => {
    const home = await tempDir();
    const blocked = join(home, 'a-file');
    writeFileSync(blocked, '');
    const r = await validate(home, { XDG_CACHE_HOME: blocked });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, ok);
    assert.equal(r.stderr, '');
  });
});
