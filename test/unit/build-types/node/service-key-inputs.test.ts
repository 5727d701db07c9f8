import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findNodeProject } from '../../../../src/build-types/node/find-node-project.js';
import { GitTree } from '../../../../src/build-types/git-tree.js';
import { npmInstallClosure, parseNpmLock } from '../../../../src/build-types/node/lockfile-npm.js';
import { serviceKeyInputs } from '../../../../src/build-types/node/service-key-inputs.js';
import { workspaceClosure } from '../../../../src/build-types/node/workspace-closure.js';
import { NodeProjectRepo } from '../../../helpers/node-project-repo.js';
import { startNpmRegistry, type NpmRegistry } from '../../../helpers/npm-registry.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { twoServiceWorkspaces, workspacePackages } from '../../../helpers/two-service-workspaces.js';

let registry: NpmRegistry;
let project: NodeProjectRepo;

before(async () => {
  registry = await startNpmRegistry();
  await registry.publish(workspacePackages());
  const dir = await tempDir('tci-service-key-');
  project = new NodeProjectRepo(
    join(dir, 'mono'),
    'npm',
    registry.url,
    join(dir, 'cache'),
    twoServiceWorkspaces('npm'),
  );
});
after(async () => await registry.stop());

/** The key inputs of both services at the repository's head. */
async function inputs(): Promise<Record<'a' | 'b', Record<string, string>>> {
  const tree = await GitTree.read(project.dir, project.repo.head());
  const of = async (context: string) => {
    const p = await findNodeProject(tree, context, context);
    const ws = p.workspace as NonNullable<typeof p.workspace>;
    const lock = parseNpmLock((await tree.readText(p.lockFile)) as string, p.lockFile);
    return serviceKeyInputs(
      tree,
      p,
      workspaceClosure(ws.manifest, p.workspaces, false),
      npmInstallClosure(lock, ws.dir, false),
    );
  };
  return { a: await of('services/svc-a'), b: await of('services/svc-b') };
}

describe('the build-key inputs of workspace services', () => {
  it("cover the service's folder, the workspaces it uses, the root manifest and its part of the lock file", async () => {
    const { a, b } = await inputs();
    assert.deepEqual(Object.keys(a).sort(), [
      '.npmrc',
      'package-lock.json#services/svc-a',
      'package.json',
      'packages/lib',
      'packages/util',
      'services/svc-a',
    ]);
    assert.deepEqual(Object.keys(b).sort(), [
      '.npmrc',
      'package-lock.json#services/svc-b',
      'package.json',
      'services/svc-b',
    ]);
  });

  it("change for a change in the service's folder, and not for the other service", async () => {
    const before = await inputs();
    project.repo.commit({ 'services/svc-b/server.js': 'console.log("changed");\n' });
    const after = await inputs();
    assert.deepEqual(after.a, before.a);
    assert.notDeepEqual(after.b, before.b);
  });

  it('change for a change in a library only for the services that use it, through other libraries', async () => {
    const before = await inputs();
    project.repo.commit({ 'packages/util/index.js': 'module.exports = 2;\n' });
    const after = await inputs();
    assert.notDeepEqual(after.a, before.a);
    assert.deepEqual(after.b, before.b);
  });

  it("do not change when another service's dependencies change the lock file", async () => {
    const before = await inputs();
    const b = twoServiceWorkspaces('npm').workspaces?.['services/svc-b'];
    (b?.manifest['dependencies'] as Record<string, string>)['dep-0007'] = '^1.0.0';
    project.change(
      { workspaces: { 'services/svc-b': { manifest: b?.manifest ?? {} } } },
      'svc-b gets a dependency',
    );
    const after = await inputs();
    assert.deepEqual(after.a, before.a);
    assert.notEqual(
      after.b['package-lock.json#services/svc-b'],
      before.b['package-lock.json#services/svc-b'],
    );
  });

  it('are the folder alone for a service with its own lock file', async () => {
    const dir = await tempDir('tci-service-key-own-');
    const own = new NodeProjectRepo(join(dir, 'app'), 'npm', registry.url, join(dir, 'cache'), {
      root: { dependencies: { 'dep-0001': '^1.0.0' } },
    });
    const tree = await GitTree.read(own.dir, own.repo.head());
    const p = await findNodeProject(tree, '', 'app');
    assert.deepEqual(serviceKeyInputs(tree, p, [], []), { '.': tree.rootOid });
  });

  it('hold the paths that committed links point to, so that a change there rebuilds', async () => {
    const dir = await tempDir('tci-service-key-linked-');
    const own = new NodeProjectRepo(join(dir, 'app'), 'npm', registry.url, join(dir, 'cache'), {
      root: { dependencies: { 'dep-0001': '^1.0.0' } },
    });
    own.repo.commit({ 'shared/greeting.js': 'one' }, 'a file some link points to');
    const at = async () => {
      const tree = await GitTree.read(own.dir, own.repo.head());
      return serviceKeyInputs(tree, await findNodeProject(tree, '', 'app'), [], [], ['shared/greeting.js']);
    };
    const first = await at();
    assert.equal(typeof first['shared/greeting.js'], 'string');
    own.repo.commit({ 'shared/greeting.js': 'two' }, 'the linked file changes');
    assert.notEqual((await at())['shared/greeting.js'], first['shared/greeting.js']);
  });
});
