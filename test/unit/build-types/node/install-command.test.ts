import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findNodeProject } from '../../../../src/build-types/node/find-node-project.js';
import { GitTree } from '../../../../src/build-types/git-tree.js';
import { installCommand } from '../../../../src/build-types/node/install-command.js';
import { installedPackages } from '../../../../src/build-types/node/install-scripts.js';
import { folderEntries } from '../../../../src/builder/oci/layer-entries.js';
import type { LockedPackage } from '../../../../src/build-types/node/locked-package.js';
import { analyseNodeProject } from '../../../../src/build-types/node/node-project.js';
import type { PackageManager } from '../../../../src/build-types/node/package-manager.js';
import { workspaceClosure } from '../../../../src/build-types/node/workspace-closure.js';
import { NodeProjectRepo, runPackageManager } from '../../../helpers/node-project-repo.js';
import { startNpmRegistry, type NpmRegistry } from '../../../helpers/npm-registry.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { twoServiceWorkspaces, workspacePackages } from '../../../helpers/two-service-workspaces.js';

let registry: NpmRegistry;
let dir: string;

before(async () => {
  registry = await startNpmRegistry();
  await registry.publish(workspacePackages());
  dir = await tempDir('tci-install-command-');
});
after(async () => await registry.stop());

/** The part of the lock file the service installs, as the build reads it (analyseNodeProject). */
async function lockPart(project: NodeProjectRepo, context: string): Promise<LockedPackage[]> {
  const tree = await GitTree.read(project.dir, project.repo.head());
  return (await analyseNodeProject(tree, context, 'svc', false)).locked;
}

/** What the real package manager installs for the service, with the command under test, as `name@version`. */
async function realInstall(project: NodeProjectRepo, context: string, cache: string): Promise<string[]> {
  const checkout = join(dir, `checkout-${project.manager}-${Date.now()}`);
  execFileSync('git', ['clone', '-q', project.dir, checkout]);
  const tree = await GitTree.read(project.dir, project.repo.head());
  const p = await findNodeProject(tree, context, 'svc');
  const ws = p.workspace as NonNullable<typeof p.workspace>;
  const cmd = installCommand(p.manager, {
    workspace: ws,
    dependsOn: workspaceClosure(ws.manifest, p.workspaces, false),
    root: p.root,
    rootManifest: p.rootManifest,
    includeDev: false,
    ignoreScripts: true,
  });
  if (cmd.rootManifest !== undefined)
    writeFileSync(join(checkout, 'package.json'), JSON.stringify(cmd.rootManifest));
  // The helper adds its own cache flag (the command leaves the cache to the manager).
  runPackageManager(p.manager, checkout, cmd.argv.slice(1), cache);
  const dirs = ['node_modules', ...[...p.workspaces.values()].map((w) => join(w.dir, 'node_modules'))];
  const trees = await Promise.all(
    dirs.map(async (d) => installedPackages(await folderEntries(join(checkout, d), d).catch(() => []))),
  );
  const installed = trees.flat();
  return [...new Set(installed.map((x) => `${x.name}@${x.version}`))].sort();
}

const names = (locked: readonly LockedPackage[]) =>
  [...new Set(locked.filter((p) => p.link !== true).map((p) => `${p.name}@${p.version}`))].sort();

for (const manager of ['npm', 'yarn', 'pnpm'] as const satisfies readonly PackageManager[]) {
  describe(`${manager} workspaces: one service's part of the lock file`, () => {
    let project: NodeProjectRepo;
    before(() => {
      project = new NodeProjectRepo(
        join(dir, manager),
        manager,
        registry.url,
        join(dir, `cache-${manager}`),
        twoServiceWorkspaces(manager),
      );
    });

    it('is exactly what the install command installs for that service', async () => {
      const part = await lockPart(project, 'services/svc-a');
      const installed = await realInstall(project, 'services/svc-a', join(dir, `cache-${manager}`));
      assert.deepEqual(names(part), installed);
      assert.ok(installed.includes('dep-0005@1.0.0'), 'the dependency of a workspace the library uses');
      assert.ok(!installed.includes('dep-0004@1.0.0'), 'nothing of the other service');
      assert.ok(
        !installed.includes('dep-0003@1.0.0') && !installed.includes('dep-0009@1.0.0'),
        'no dev dependency',
      );
      // The root's production dependencies, as Yarn 1 and pnpm 10 install them (npm with
      // --include-workspace-root); its dev dependencies never.
      assert.ok(installed.includes('dep-0006@1.0.0'), "the root's production dependency");
    });

    it('names the workspaces it links by folder', async () => {
      const links = (await lockPart(project, 'services/svc-a'))
        .filter((p) => p.link === true)
        .map((p) => p.path);
      assert.ok(links.includes('packages/lib') && links.includes('packages/util'), links.join(', '));
      assert.ok(!links.some((l) => l.includes('svc-b')));
    });

    it("does not change when another service's dependencies change, and does when its library's do", async () => {
      const before = await lockPart(project, 'services/svc-a');
      const layout = twoServiceWorkspaces(manager);
      const b = layout.workspaces?.['services/svc-b'];
      (b?.manifest['dependencies'] as Record<string, string>)['dep-0007'] = '^1.0.0';
      project.change(layout, 'svc-b gets a dependency');
      assert.ok(readFileSync(join(project.dir, lockName(manager)), 'utf8').includes('dep-0007'));
      assert.deepEqual(await lockPart(project, 'services/svc-a'), before);
      const lib = layout.workspaces?.['packages/lib'];
      (lib?.manifest['dependencies'] as Record<string, string>)['dep-0008'] = '^1.0.0';
      project.change(layout, 'lib gets a dependency');
      assert.ok(names(await lockPart(project, 'services/svc-a')).includes('dep-0008@1.0.0'));
    });
  });
}

function lockName(manager: PackageManager): string {
  return { npm: 'package-lock.json', yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml' }[manager];
}
