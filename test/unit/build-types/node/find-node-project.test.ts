import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findNodeProject } from '../../../../src/build-types/node/find-node-project.js';
import { GitTree } from '../../../../src/build-types/git-tree.js';
import { UserError } from '../../../../src/core/user-error.js';
import { GitRepo } from '../../../helpers/git-repo.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const json = (v: unknown) => JSON.stringify(v);

async function treeOf(files: Record<string, string>): Promise<GitTree> {
  const repo = GitRepo.create(join(await tempDir('tci-find-project-'), 'repo'), files);
  return await GitTree.read(repo.path, repo.head());
}

describe('findNodeProject', () => {
  it('takes the lock file of the context folder itself', async () => {
    const tree = await treeOf({
      'package.json': json({ name: 'tools' }),
      'package-lock.json': '{}',
      'services/api/package.json': json({ name: 'api' }),
      'services/api/yarn.lock': '',
    });
    const p = await findNodeProject(tree, 'services/api', 'api');
    assert.equal(p.manager, 'yarn');
    assert.equal(p.root, 'services/api');
    assert.equal(p.lockFile, 'services/api/yarn.lock');
    assert.equal(p.workspace, undefined);
  });

  it("finds an npm workspace's root lock file and every workspace of the root", async () => {
    const tree = await treeOf({
      'package.json': json({ name: 'mono', workspaces: ['services/*', './packages/*/'] }),
      'package-lock.json': '{}',
      'services/api/package.json': json({ name: 'api', version: '1.0.0' }),
      'services/web/package.json': json({ name: 'web' }),
      'packages/lib/package.json': json({ name: 'lib' }),
      'packages/lib/node_modules/x/package.json': json({ name: 'x' }),
      'docs/package.json': json({ name: 'docs' }),
    });
    const p = await findNodeProject(tree, 'services/api', 'api');
    assert.equal(p.manager, 'npm');
    assert.equal(p.root, '');
    assert.equal(p.lockFile, 'package-lock.json');
    assert.deepEqual(p.workspace, { dir: 'services/api', manifest: { name: 'api', version: '1.0.0' } });
    assert.deepEqual([...p.workspaces.keys()].sort(), ['api', 'lib', 'web']);
  });

  it("reads Yarn 1's {packages: [...]} form and pnpm's pnpm-workspace.yaml with exclusions", async () => {
    const yarn = await treeOf({
      'package.json': json({ private: true, workspaces: { packages: ['apps/*'] } }),
      'yarn.lock': '',
      'apps/a/package.json': json({ name: 'a' }),
    });
    assert.equal((await findNodeProject(yarn, 'apps/a', 'a')).workspace?.dir, 'apps/a');
    const pnpm = await treeOf({
      'package.json': json({ private: true }),
      'pnpm-lock.yaml': '',
      'pnpm-workspace.yaml': 'packages:\n  - "apps/**"\n  - "!**/test/**"\n',
      'apps/a/package.json': json({ name: 'a' }),
      'apps/a/test/fixture/package.json': json({ name: 'fixture' }),
    });
    const p = await findNodeProject(pnpm, 'apps/a', 'a');
    assert.equal(p.manager, 'pnpm');
    assert.deepEqual([...p.workspaces.keys()], ['a']);
  });

  it("takes a workspace's lock file that links to the root's as the root's (certeu/morio does so)", async () => {
    const repo = GitRepo.create(join(await tempDir('tci-find-project-'), 'repo'), {
      'package.json': json({ name: 'mono', workspaces: ['api'] }),
      'package-lock.json': '{}',
      'api/package.json': json({ name: '@mono/api' }),
    });
    symlinkSync('../package-lock.json', join(repo.path, 'api', 'package-lock.json'));
    repo.commit({}, 'a linked lock file');
    const p = await findNodeProject(await GitTree.read(repo.path, repo.head()), 'api', 'api');
    assert.equal(p.lockFile, 'package-lock.json');
    assert.equal(p.workspace?.dir, 'api');
  });

  it('refuses a folder that the nearest lock file above does not list as a workspace', async () => {
    const tree = await treeOf({
      'package.json': json({ name: 'mono', workspaces: ['packages/*'] }),
      'package-lock.json': '{}',
      'services/api/package.json': json({ name: 'api' }),
    });
    await assert.rejects(findNodeProject(tree, 'services/api', 'api'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(
        e.message,
        /service "api": package-lock.json is the nearest lock file above "services\/api", and its workspaces do not include "services\/api"/,
      );
      return true;
    });
  });

  it('names a context that is not a folder of the commit, not the lock file above it', async () => {
    const tree = await treeOf({
      'package.json': json({ name: 'app' }),
      'package-lock.json': '{}',
      'src/x.js': '',
    });
    for (const context of ['server', 'src/x.js'])
      await assert.rejects(findNodeProject(tree, context, 'app'), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.message,
          `service "app": its context "${context}" is not a folder of the repository at commit ${tree.commit.slice(0, 12)} (hint: context is a folder path from the repository root, as committed)`,
        );
        return true;
      });
  });

  it('names the folder and the lock files looked for when there is none', async () => {
    const tree = await treeOf({ 'services/api/package.json': json({ name: 'api' }) });
    await assert.rejects(findNodeProject(tree, 'services/api', 'api'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(
        e.message,
        /service "api": no lock file in "services\/api" or in a workspace root above it/,
      );
      assert.match(e.message, /npm-shrinkwrap.json, package-lock.json, yarn.lock, pnpm-lock.yaml/);
      return true;
    });
  });

  it("takes the lock file that packageManager names when a folder has two managers' lock files", async () => {
    const tree = await treeOf({
      'package.json': json({ name: 'api', packageManager: 'yarn@1.22.22' }),
      'package-lock.json': '{}',
      'yarn.lock': '',
    });
    const p = await findNodeProject(tree, '', 'api');
    assert.equal(p.manager, 'yarn');
    assert.equal(p.lockFile, 'yarn.lock');
  });

  it("refuses two managers' lock files that packageManager does not choose between, naming both", async () => {
    const files = { 'services/api/package-lock.json': '{}', 'services/api/yarn.lock': '' };
    for (const manifest of [{ name: 'api' }, { name: 'api', packageManager: 'pnpm@10.0.0' }]) {
      const tree = await treeOf({ ...files, 'services/api/package.json': json(manifest) });
      await assert.rejects(findNodeProject(tree, 'services/api', 'api'), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.message,
          'services/api/package.json: packageManager: service "api": the lock files of more than one package manager, services/api/package-lock.json (npm), services/api/yarn.lock (yarn), and packageManager names none of them, so which one installs is unknown (hint: delete the lock file that is out of date, or set packageManager to the manager in use (e.g. "yarn@1.22.22"))',
        );
        return true;
      });
    }
  });

  it('installs from npm-shrinkwrap.json beside a package-lock.json, as npm does', async () => {
    const tree = await treeOf({
      'package.json': json({ name: 'api' }),
      'package-lock.json': '{}',
      'npm-shrinkwrap.json': '{}',
    });
    const p = await findNodeProject(tree, '', 'api');
    assert.equal(p.manager, 'npm');
    assert.equal(p.lockFile, 'npm-shrinkwrap.json');
  });

  it('names the file of a manifest that is not JSON', async () => {
    const tree = await treeOf({ 'package.json': '{ nope', 'package-lock.json': '{}' });
    await assert.rejects(findNodeProject(tree, '', 'web'), /package.json: not valid JSON/);
  });
});
