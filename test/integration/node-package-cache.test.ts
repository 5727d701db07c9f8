import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildAppService } from '../helpers/app-build.js';
import { buildImage } from '../helpers/base-images.js';
import { NodeProjectRepo, runPackageManager } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';

const prefix = `tci-test-pkg-cache-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-pkg-cache-', prefix);

describe("the production install's package cache", () => {
  it("is the install image's own when its environment names one: an image carrying the packages installs with npm offline", async () => {
    // The packages the app's lock file names, in an npm cache on this machine.
    const cache = join(fx.dir, 'npm-cache');
    const project = new NodeProjectRepo(join(fx.dir, 'app'), 'npm', fx.registry.url, cache, {
      root: { name: 'cached', scripts: { start: 'node server.js' }, dependencies: { 'dep-0002': '^1.0.0' } },
      files: { 'server.js': "require('dep-0002');\n" },
    });
    runPackageManager('npm', project.dir, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], cache, {});
    // npm_config_offline: an install that does not read this cache fails (ENOTCACHED).
    const base = buildImage(
      `${prefix}node-with-cache:20`,
      `FROM ${ensureNodeToolsImage()}\nCOPY npm-cache /tmp/npm-cache\nENV npm_config_cache=/tmp/npm-cache npm_config_offline=true\n`,
      (dir) => cpSync(cache, join(dir, 'npm-cache'), { recursive: true }),
    );
    const { image } = await buildAppService({
      dir: join(fx.dir, 'build'),
      name: 'cached',
      repo: project.repo,
      service: '{buildType: node, node: "20"}',
      prefix,
      images: { 'node:20': base },
    });
    const loaded = execFileSync('docker', ['run', '--rm', image, 'node', '-e', "require('dep-0002'); 1"], {
      encoding: 'utf8',
    });
    assert.equal(loaded, '');
  });
});
