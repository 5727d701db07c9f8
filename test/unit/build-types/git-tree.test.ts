import assert from 'node:assert/strict';
import { chmodSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GitTree } from '../../../src/build-types/git-tree.js';
import { GitRepo } from '../../helpers/git-repo.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function repoWithFiles(): Promise<GitRepo> {
  const repo = GitRepo.create(join(await tempDir('tci-git-tree-'), 'repo'));
  repo.commit({
    'services/api/server.js': 'console.log(1)\n',
    'services/api/run.sh': '#!/bin/sh\n',
    'services/web/server.js': 'console.log(2)\n',
    'packages/lib/big.bin': Buffer.alloc(200_000, 7).toString('latin1'),
    'Ünïcode name.txt': 'ü\n',
  });
  chmodSync(join(repo.path, 'services/api/run.sh'), 0o755);
  symlinkSync('server.js', join(repo.path, 'services/api/link.js'));
  repo.commit({}, 'modes and a link');
  return repo;
}

describe('GitTree', () => {
  it('lists every path with its mode, type, object id and size', async () => {
    const repo = await repoWithFiles();
    const tree = await GitTree.read(repo.path, repo.head());
    assert.equal(tree.get('services/api/run.sh')?.mode, '100755');
    assert.equal(tree.get('services/api/link.js')?.mode, '120000');
    assert.equal(tree.get('services')?.type, 'tree');
    assert.equal(tree.get('packages/lib/big.bin')?.size, 200_000);
    assert.equal(tree.get('Ünïcode name.txt')?.size, 3);
    assert.deepEqual(
      tree.under('services/api').map((e) => e.path),
      ['services/api/link.js', 'services/api/run.sh', 'services/api/server.js'],
    );
  });

  it('reads contents in the order asked, binary and large ones included', async () => {
    const repo = await repoWithFiles();
    const tree = await GitTree.read(repo.path, repo.head());
    const wanted = ['services/web/server.js', 'packages/lib/big.bin', 'services/api/link.js'].map(
      (p) => tree.get(p) as NonNullable<ReturnType<GitTree['get']>>,
    );
    const got = [];
    for await (const f of tree.contents(wanted)) got.push(f);
    assert.deepEqual(
      got.map((f) => f.entry.path),
      wanted.map((e) => e.path),
    );
    assert.equal(got[0]?.content.toString(), 'console.log(2)\n');
    assert.ok(got[1]?.content.equals(Buffer.alloc(200_000, 7)));
    assert.equal(got[2]?.content.toString(), 'server.js', 'a symlink reads as its target');
    assert.equal(await tree.readText('Ünïcode name.txt'), 'ü\n');
    assert.equal(await tree.readText('services'), undefined, 'a folder has no text');
    assert.equal(await tree.readText('missing'), undefined);
  });

  it('reads texts of many files at once, each blob once per tree (the clone is not asked again)', async () => {
    const repo = await repoWithFiles();
    const tree = await GitTree.read(repo.path, repo.head());
    const paths = ['services/api/server.js', 'services/web/server.js', 'services', 'missing'];
    const [first, same] = await Promise.all([tree.readTexts(paths), tree.readTexts(paths.slice(0, 2))]);
    assert.deepEqual(Object.fromEntries(first), {
      'services/api/server.js': 'console.log(1)\n',
      'services/web/server.js': 'console.log(2)\n',
    });
    assert.deepEqual(same, first);
    renameSync(repo.path, `${repo.path}-moved`);
    assert.equal(await tree.readText('services/web/server.js'), 'console.log(2)\n');
    await assert.rejects(
      () => tree.readText('Ünïcode name.txt'),
      /git cat-file|ended early|ENOENT|cannot change/,
    );
  });

  it("changes a folder's object id exactly when something under it changes", async () => {
    const repo = await repoWithFiles();
    const before = await GitTree.read(repo.path, repo.head());
    repo.commit({ 'services/web/server.js': 'console.log(3)\n' });
    const after = await GitTree.read(repo.path, repo.head());
    assert.notEqual(after.get('services/web')?.oid, before.get('services/web')?.oid);
    assert.equal(after.get('services/api')?.oid, before.get('services/api')?.oid);
    assert.equal(after.get('packages')?.oid, before.get('packages')?.oid);
  });

  it('names the repository and commit when the commit is not there', async () => {
    const repo = await repoWithFiles();
    await assert.rejects(GitTree.read(repo.path, 'f'.repeat(40)), /git ls-tree f{40} in .*repo failed/);
  });
});
