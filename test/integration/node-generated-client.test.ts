import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildAppService } from '../helpers/app-build.js';
import type { GeneratedPackage } from '../helpers/generated-packages.js';
import { NodeProjectRepo } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';

const prefix = `tci-test-generated-client-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-generated-client-', prefix);

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' });

/**
 * Prisma's pair, without Prisma: `orm-client` (a production dependency, as `@prisma/client`)
 * loads `.prisma/client`, where its install script leaves a stub (as Prisma 5's does); the
 * `orm-generate` command of `orm-cli` (a dev dependency, as `prisma`) writes the client there
 * from the app's schema, as `prisma generate` does.
 */
const ormPackages: GeneratedPackage[] = [
  {
    name: 'orm-client',
    version: '1.0.0',
    dependencies: {},
    scripts: { postinstall: 'node stub.js' },
    files: {
      'stub.js':
        "const fs = require('fs'), dir = require('path').join(__dirname, '..', '.prisma', 'client');\n" +
        'fs.mkdirSync(dir, { recursive: true });\n' +
        "fs.writeFileSync(dir + '/index.js', 'throw new Error(\"client did not initialize yet\");\\n');\n" +
        "fs.writeFileSync(dir + '/stub-only.js', '');\n",
      'index.js': "module.exports = require('.prisma/client');\n",
    },
  },
  {
    name: 'orm-cli',
    version: '1.0.0',
    dependencies: {},
    bin: { 'orm-generate': 'bin/generate.js' },
    files: {
      'bin/generate.js':
        "#!/usr/bin/env node\nconst fs = require('fs'), path = require('path');\n" +
        "const dir = path.join(path.dirname(require.resolve('orm-client/package.json', { paths: [process.cwd()] })), '..', '.prisma', 'client');\n" +
        'fs.rmSync(dir, { recursive: true, force: true });\n' +
        'fs.mkdirSync(dir, { recursive: true });\n' +
        "fs.writeFileSync(dir + '/index.js', 'module.exports = ' + JSON.stringify(fs.readFileSync('schema.txt', 'utf8').trim()) + ';\\n');\n",
    },
  },
];

describe('a client generated into node_modules by the build script', () => {
  it('is in the image, in place of the stub the production install left', async () => {
    await fx.registry.publish(ormPackages);
    const project = new NodeProjectRepo(join(fx.dir, 'app'), 'npm', fx.registry.url, join(fx.dir, 'cache'), {
      root: {
        name: 'app',
        scripts: { build: 'orm-generate && node build.js' },
        dependencies: { 'orm-client': '^1.0.0' },
        devDependencies: { 'orm-cli': '^1.0.0' },
      },
      files: {
        'schema.txt': 'generated from the schema\n',
        'build.js':
          "require('fs').mkdirSync('dist', { recursive: true });\n" +
          "require('fs').writeFileSync('dist/main.js', \"console.log(require('orm-client'))\\n\");\n",
        Procfile: 'web: node dist/main.js\n',
      },
    });
    const { image } = await buildAppService({
      dir: join(fx.dir, 'build'),
      name: 'app',
      repo: project.repo,
      service: '{buildType: node, node: "20", buildScript: build}',
      prefix,
      images: { 'node:20': ensureNodeToolsImage() },
    });

    assert.equal(docker('run', '--rm', image), 'generated from the schema\n');
    assert.equal(
      docker('run', '--rm', '--entrypoint', 'ls', image, '-A', '/app/node_modules/.prisma/client'),
      'index.js\n',
      "the stub's own files are hidden",
    );
    assert.doesNotMatch(
      docker('run', '--rm', '--entrypoint', 'ls', image, '-A', '/app'),
      /taskcluster-installer/,
    );
  });
});
