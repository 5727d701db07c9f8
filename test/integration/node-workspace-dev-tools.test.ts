import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { PackageManager } from '../../src/build-types/node/package-manager.js';
import { buildAppServices } from '../helpers/app-build.js';
import { NodeProjectRepo, type NodeProjectLayout } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';

const prefix = `tci-test-wsdev-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-wsdev-', prefix);

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

/**
 * A monorepo laid out as Turborepo's starters are (found on a real one): the service builds
 * with a script and dev-depends on a workspace of shared tooling (jest presets, a tsconfig)
 * whose own production dependency is a test runner (dep-0007 here); another service's manifest
 * sits beside it. Neither the tooling's dependencies nor the other service belong in the image.
 */
function devToolsLayout(manager: PackageManager): NodeProjectLayout {
  const ws = manager === 'pnpm' ? 'workspace:*' : '^1.0.0';
  return {
    root: {},
    workspaces: {
      'packages/tools': {
        manifest: { name: 'tools', version: '1.0.0', dependencies: { 'dep-0007': '^1.0.0' } },
        files: { 'base.json': '{}\n' },
      },
      'services/api': {
        manifest: {
          name: 'api',
          version: '1.0.0',
          scripts: { build: 'mkdir -p dist && cp server.js dist/', start: 'node dist/server.js' },
          dependencies: { 'dep-0002': '^1.0.0' },
          devDependencies: { tools: ws },
        },
        files: { 'server.js': "console.log('api', require('dep-0002'));\n" },
      },
      'services/web': {
        manifest: { name: 'web', version: '1.0.0', dependencies: { 'dep-0004': '^1.0.0' } },
        files: { 'index.js': "console.log('web');\n" },
      },
    },
  };
}

for (const manager of ['npm', 'yarn', 'pnpm'] as const satisfies readonly PackageManager[]) {
  describe(`${manager} workspaces: a service with a build script and a tooling workspace`, () => {
    let project: NodeProjectRepo;
    before(() => {
      project = new NodeProjectRepo(
        join(fx.dir, `${manager}-repo`),
        manager,
        fx.registry.url,
        join(fx.dir, `cache-${manager}`),
        devToolsLayout(manager),
      );
    });

    it("builds, and the image holds neither the tooling's dependencies nor another service", async () => {
      const { services } = await buildAppServices({
        dir: join(fx.dir, manager),
        prefix: `${prefix}${manager}-`,
        images: { 'node:20': ensureNodeToolsImage() },
        services: [
          {
            name: 'api',
            repo: project.repo,
            service: '{buildType: node, node: "20", context: services/api, buildScript: build}',
          },
        ],
      });
      const image = String(services.get('api')?.['dockerImage']);
      assert.match(docker('run', '--rm', image, 'web'), /^api \{/m, 'the built app starts');
      const find = (path: string) =>
        docker(
          'run',
          '--rm',
          image,
          'sh',
          '-c',
          `find ${path} -name package.json | grep -c dep-0007 || true`,
        );
      assert.equal(find('/app/node_modules'), '0', "the tooling workspace's dependency is not installed");
      assert.equal(docker('run', '--rm', image, 'ls', '/app/services'), 'api', 'no other service');
      const lock = { npm: 'package-lock.json', yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml' }[manager];
      assert.equal(
        docker('run', '--rm', image, 'sh', '-c', `test -e /app/${lock} && echo yes || echo no`),
        'no',
        'no lock file (the image holds the part the key covers, not the whole)',
      );
    });
  });
}
