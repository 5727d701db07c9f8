import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Every path under `dir` with its type, size, content and modification time: what "unchanged" means. */
async function snapshot(dir: string): Promise<string[]> {
  // The directory's own time too: an entry made and removed again would change it.
  const out: string[] = [`${dir} ${(await lstat(dir)).mtimeMs}`];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const s = await lstat(p);
      out.push(`${p} ${s.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) await walk(p);
      else if (s.isFile()) out.push(await readFile(p, 'utf8'));
    }
  };
  await walk(dir);
  return out;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('init', () => {
  it('writes a spec into a new directory that validate accepts, with its app a git repository of one commit', async () => {
    const parent = await tempDir();
    const r = await runCli(['init', 'cluster'], { cwd: parent });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^wrote a cluster spec to cluster:\n/);
    assert.match(r.stdout, /\n {2}cd cluster\n {2}taskcluster-installer validate \.\n/);
    const dir = join(parent, 'cluster');
    assert.deepEqual((await readdir(dir)).sort(), ['app', 'build.yml', 'deploy-config.yml', 'deploy.yml']);
    assert.equal(git(join(dir, 'app'), 'rev-list', '--count', 'main'), '1');
    assert.equal(git(join(dir, 'app'), 'status', '--porcelain'), '');
    assert.deepEqual(git(join(dir, 'app'), 'ls-files').split('\n'), ['Dockerfile', 'www/index.html']);

    // From the spec directory, deploy-config.yml is read by default: the template renders fully.
    const inside = await runCli(['validate', '.'], { cwd: dir });
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(inside.stderr, '');
    assert.equal(inside.stdout, '.: 1 repositories (1 services), ok\n');
    // From elsewhere, cfg is missing: a warning naming its values, still exit 0.
    const outside = await runCli(['validate', 'cluster'], { cwd: parent });
    assert.equal(outside.code, 0, outside.stderr);
    assert.match(
      outside.stderr,
      /^warning: cluster\/deploy\.yml: the deploy template needs values that were not given: cfg\.namespace/,
    );
  });

  it('writes into the current directory by default, beside files that are not a spec', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    const r = await runCli(['init'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\bcd /);
    assert.deepEqual((await readdir(dir)).sort(), [
      'app',
      'build.yml',
      'deploy-config.yml',
      'deploy.yml',
      'notes.txt',
    ]);
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'mine\n');
    const v = await runCli(['validate', '.'], { cwd: dir });
    assert.equal(v.code, 0, v.stderr);
  });

  for (const [what, existing] of [
    ['a build.yml', 'build.yml'],
    ['a deploy.yml', 'deploy.yml'],
    ['a deploy-config.yml', 'deploy-config.yml'],
    ['an app folder', 'app/'],
  ] as const) {
    it(`refuses a directory that holds ${what}: exit 1, nothing changed`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'other.txt'), 'x');
      if (existing.endsWith('/')) await mkdir(join(dir, existing));
      else await writeFile(join(dir, existing), 'repositories: []\n');
      const before = await snapshot(dir);
      const r = await runCli(['init', dir]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `error: ${dir}: already holds ${existing.replace('/', '')}; init changed nothing (hint: init writes a new spec: name an empty or new directory)\n`,
      );
      assert.equal(r.stdout, '');
      assert.deepEqual(await snapshot(dir), before);
    });
  }

  it('run twice on one directory: the second run refuses and leaves the first spec as it was', async () => {
    const dir = join(await tempDir(), 'spec');
    assert.equal((await runCli(['init', dir])).code, 0);
    const before = await snapshot(dir);
    const again = await runCli(['init', dir]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /already holds build\.yml, deploy\.yml, deploy-config\.yml, app; init changed nothing/,
    );
    assert.deepEqual(await snapshot(dir), before);
  });

  it('refuses a path that is a file: exit 1, the file unchanged', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'spec'), 'x');
    const before = await snapshot(dir);
    const r = await runCli(['init', 'spec'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: spec: is a file, not a directory\n');
    assert.deepEqual(await snapshot(dir), before);
  });

  // Each would otherwise print "internal error: ENOTDIR/EPERM …", or (/proc) spin forever.
  for (const [what, path, message] of [
    ['under a file', 'spec/cluster', 'cannot make this directory: not a directory'],
    ['under /sys', '/sys/tci-init-test', 'cannot make this directory: operation not permitted'],
    ['under /proc', '/proc/tci-init-test', 'cannot make this directory: no such file or directory'],
    [
      'two levels under /proc',
      '/proc/tci-init-test/cluster',
      'cannot make this directory: no such file or directory (/proc/tci-init-test)',
    ],
    ['that is /sys', '/sys', 'cannot write into this directory: operation not permitted'],
    ['that is /proc', '/proc', 'cannot write into this directory: no such file or directory'],
  ] as const) {
    it(`a directory ${what} is an error naming it: exit 1 at once, nothing written`, async () => {
      const cwd = await tempDir();
      await writeFile(join(cwd, 'spec'), 'x');
      const before = await snapshot(cwd);
      const r = await runCli(['init', path], { cwd, killAfterMs: 10_000 });
      assert.equal(r.signal, null, 'init had to be killed');
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `error: ${path}: ${message}\n`);
      assert.equal(r.stdout, '');
      assert.deepEqual(await snapshot(cwd), before);
    });
  }

  it('without git on PATH: exit 1 naming git, and no directory left behind', async () => {
    const parent = await tempDir();
    const r = await runCli(['init', 'cluster'], { cwd: parent, env: { PATH: '/nonexistent' } });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: git is needed to make the starter app a repository, and was not found\n');
    assert.deepEqual(await readdir(parent), []);
  });

  it('more than one directory is a usage error, exit 2', async () => {
    const r = await runCli(['init', 'a', 'b'], { cwd: await tempDir() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /too many arguments for 'init'/);
  });
});
