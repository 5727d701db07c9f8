import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatProblem } from '../../src/core/problem.js';
import { UserError } from '../../src/core/user-error.js';
import type { CommitSha } from '../../src/inputs/types.js';
import { ensureNodeImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { httpGet } from '../helpers/http-get.js';
import { NodeApps } from '../helpers/node-app.js';
import { buildAppService } from '../helpers/app-build.js';
import { readService } from '../helpers/read-service.js';
import { tempDir } from '../helpers/temp-dir.js';
import { removeImages } from '../helpers/remove-images.js';

const base = await tempDir('tci-node-');
const prefix = `tci-test-node-${process.pid}/`;
const containers: string[] = [];
const apps = new NodeApps(base);

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' });
}

before(() => {
  ensureNodeImage();
  apps.pack('greet-prod', {
    'package.json': JSON.stringify({
      name: 'greet-prod',
      version: '1.0.0',
      // Lifecycle scripts of dependencies must not run.
      scripts: { install: 'echo ran > install-script-ran' },
    }),
    'index.js': "module.exports = 'hello from greet-prod';\n",
  });
  apps.pack('dev-only', {
    'package.json': JSON.stringify({ name: 'dev-only', version: '1.0.0' }),
    'index.js': "module.exports = 'built with dev-only';\n",
  });
});
after(() => {
  if (containers.length > 0) execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore' });
  removeImages(`${prefix}*`);
});

function nodeApp(name: string, pkg: Record<string, unknown>, files: Record<string, string> = {}): GitRepo {
  return apps.app(name, pkg, files);
}

const deps = {
  dependencies: { 'greet-prod': 'file:vendor/greet-prod-1.0.0.tgz' },
  devDependencies: { 'dev-only': 'file:vendor/dev-only-1.0.0.tgz' },
};

async function build(name: string, repo: GitRepo, service = '{buildType: node, node: "20"}') {
  const result = await buildAppService({ dir: join(base, 'builds', name), name, repo, service, prefix });
  return result.image;
}

describe('node build type', () => {
  it('uses node:<node> or baseImage, mapped through the build config', async () => {
    const repo = GitRepo.create(join(base, 'apps', 'names'), { 'x.txt': '' });
    const baseImages = (service: Record<string, unknown>, images: Record<string, string>) =>
      readService({ buildType: 'node', ...service }, 'names').baseImages({
        commit: repo.head() as CommitSha,
        readFile: async () => undefined,
        images,
      });
    assert.deepEqual(await baseImages({ node: '20' }, {}), ['node:20']);
    assert.deepEqual(await baseImages({ node: '20' }, { 'node:20': 'mirror/node:20' }), ['mirror/node:20']);
    assert.deepEqual(await baseImages({ baseImage: 'my/node:x' }, {}), ['my/node:x']);
  });

  it('installs production dependencies only, from the lock file, and serves HTTP as web', async () => {
    const repo = nodeApp(
      'web',
      { ...deps, scripts: { start: 'node server.js', postinstall: 'echo ran > postinstall-ran' } },
      {
        'server.js': `const greet = require('greet-prod');
require('node:http').createServer((req, res) => res.end(greet + ' in ' + process.env.NODE_ENV)).listen(process.env.PORT || 3000);
`,
      },
    );
    writeFileSync(join(repo.path, 'untracked-secret.txt'), 'never in the image');
    const tag = await build('web', repo);

    assert.equal(
      docker('run', '--rm', tag, 'ls', 'node_modules'),
      'greet-prod\n',
      'the production dependency, not the dev one',
    );
    assert.equal(
      docker('run', '--rm', tag, 'ls', '-A', '/app', 'node_modules/greet-prod'),
      '/app:\nnode_modules\npackage-lock.json\npackage.json\nserver.js\nvendor\n\nnode_modules/greet-prod:\nindex.js\npackage.json\n',
      'no untracked files, no lifecycle script output',
    );
    const id = docker('run', '-d', '-p', '127.0.0.1::3000', tag, 'web').trim();
    containers.push(id);
    const port = docker('port', id, '3000/tcp').trim().split(':').pop();
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), '200 hello from greet-prod in production');
  });

  it('runs the build script with dev dependencies, then prunes them; a Procfile adds processes', async () => {
    const repo = nodeApp(
      'built',
      {
        ...deps,
        scripts: { build: "node -e \"require('fs').writeFileSync('built.txt', require('dev-only'))\"" },
      },
      { Procfile: 'worker: cat built.txt\n' },
    );
    const tag = await build('built', repo, '{buildType: node, node: "20", buildScript: build}');
    assert.equal(docker('run', '--rm', tag, 'worker'), 'built with dev-only');
    assert.equal(docker('run', '--rm', tag, 'ls', 'node_modules'), 'greet-prod\n');
  });

  it('fails naming the service when no lock file is committed', async () => {
    const repo = GitRepo.create(join(base, 'apps', 'nolock'), { 'package.json': '{"name":"nolock"}' });
    try {
      await build('nolock', repo);
      assert.fail('expected a UserError');
    } catch (e) {
      assert.ok(e instanceof UserError);
      assert.deepEqual(e.problems.map(formatProblem), [
        `service "nolock": no lock file at the repository root at commit ${repo.head()} (hint: commit one of package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml: the node build type installs exactly what it pins)`,
      ]);
    }
  });
});
