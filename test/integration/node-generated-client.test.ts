import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
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

/** An app whose build script generates the client from `schema.txt`, then writes `dist/main.js`, which prints it. */
function ormApp(schema: string): {
  manifest: Record<string, unknown>;
  files: Record<string, string>;
} {
  return {
    manifest: {
      scripts: { build: 'orm-generate && node build.js' },
      dependencies: { 'orm-client': '^1.0.0' },
      devDependencies: { 'orm-cli': '^1.0.0' },
    },
    files: {
      'schema.txt': `${schema}\n`,
      'build.js':
        "require('fs').mkdirSync('dist', { recursive: true });\n" +
        "require('fs').writeFileSync('dist/main.js', \"console.log(require('orm-client'))\\n\");\n",
      Procfile: 'web: node dist/main.js\n',
    },
  };
}

async function build(project: NodeProjectRepo, name: string, fields: string): Promise<string> {
  const { image } = await buildAppService({
    dir: join(fx.dir, `build-${name}`),
    name,
    repo: project.repo,
    service: `{buildType: node, node: "20", buildScript: build${fields}}`,
    prefix,
    images: { 'node:20': ensureNodeToolsImage() },
  });
  return image;
}

describe('a client generated into node_modules by the build script', () => {
  before(async () => await fx.registry.publish(ormPackages));

  it('is in the image, in place of the stub the production install left', async () => {
    const app = ormApp('generated from the schema');
    const project = new NodeProjectRepo(join(fx.dir, 'app'), 'npm', fx.registry.url, join(fx.dir, 'cache'), {
      root: { name: 'app', ...app.manifest },
      files: app.files,
    });
    const image = await build(project, 'app', '');

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

  it("of a workspace is in the image where npm hoisted the client, the project root's node_modules", async () => {
    const app = ormApp('generated for a workspace');
    const project = new NodeProjectRepo(join(fx.dir, 'ws'), 'npm', fx.registry.url, join(fx.dir, 'cache'), {
      root: {},
      workspaces: {
        'services/api': { manifest: { name: 'api', version: '1.0.0', ...app.manifest }, files: app.files },
      },
    });
    const image = await build(project, 'api', ', context: services/api');

    assert.equal(docker('run', '--rm', image), 'generated for a workspace\n');
  });
});
