import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Event } from '../../src/core/events.js';
import { formatProblem, type Problem } from '../../src/core/problem.js';
import { UserError } from '../../src/core/user-error.js';
import type { CommitSha } from '../../src/inputs/types.js';
import { buildFromDir, ensureBusyboxImage, ensureNodeImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { httpGet } from '../helpers/http-get.js';
import { NodeApps } from '../helpers/node-app.js';
import { buildAppService } from '../helpers/app-build.js';
import { readService } from '../helpers/read-service.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { removeImages } from '../helpers/remove-images.js';

const base = await tempDir('tci-node-');
const prefix = `tci-test-node-${process.pid}/`;
const containers: string[] = [];
const images: string[] = [];
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
      // Run at install, as npm runs it.
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
  if (images.length > 0) execFileSync('docker', ['rmi', '-f', ...images], { stdio: 'ignore' });
});

function nodeApp(name: string, pkg: Record<string, unknown>, files: Record<string, string> = {}): GitRepo {
  return apps.app(name, pkg, files);
}

const deps = {
  dependencies: { 'greet-prod': 'file:vendor/greet-prod-1.0.0.tgz' },
  devDependencies: { 'dev-only': 'file:vendor/dev-only-1.0.0.tgz' },
};

async function build(
  name: string,
  repo: GitRepo,
  service = '{buildType: node, node: "20"}',
  events: Event[] = [],
) {
  const result = await buildAppService({
    dir: join(base, 'builds', name),
    name,
    repo,
    service,
    prefix,
    events,
  });
  return result.image;
}

/** A problem as the CLI prints it, build.yml named without the test's temp folder. */
const printed = (p: Problem) => formatProblem(p).replace(/^\S*\/(build\.yml:)/, '$1');

describe('node build type', () => {
  it('uses node:<node> or baseImage, mapped through the build config', async () => {
    const repo = GitRepo.create(join(base, 'apps', 'names'), { 'x.txt': '' });
    const baseImages = (service: Record<string, unknown>, images: Record<string, string>) =>
      readService({ buildType: 'node', ...service }, 'names').baseImages({
        commit: repo.head() as CommitSha,
        readFile: async () => undefined,
        tree: () => Promise.reject(new Error('no tree here')),
        images,
      });
    assert.deepEqual(await baseImages({ node: '20' }, {}), ['node:20']);
    assert.deepEqual(await baseImages({ node: '20' }, { 'node:20': 'mirror/node:20' }), ['mirror/node:20']);
    assert.deepEqual(await baseImages({ baseImage: 'my/node:x' }, {}), ['my/node:x']);
    assert.deepEqual(
      await baseImages({ node: '20', buildImage: 'my/build:20' }, { 'my/build:20': 'mirror/build:20' }),
      ['node:20', 'mirror/build:20'],
      'the run image, then the image the install and build steps run in',
    );
  });

  it('installs production dependencies, running their install scripts as npm does, and serves HTTP as web', async () => {
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
      '/app:\nnode_modules\npackage-lock.json\npackage.json\nserver.js\nvendor\n\nnode_modules/greet-prod:\nindex.js\ninstall-script-ran\npackage.json\n',
      "the committed files and what the dependency's install script made; no untracked file",
    );
    const id = docker('run', '-d', '-p', '127.0.0.1::3000', tag, 'web').trim();
    containers.push(id);
    const port = docker('port', id, '3000/tcp').trim().split(':').pop();
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), '200 hello from greet-prod in production');
  });

  it('runs the build script with dev dependencies, which stay out of the image; web is its main, checked after', async () => {
    const repo = nodeApp(
      'built',
      {
        ...deps,
        main: 'dist/main.js',
        scripts: {
          build:
            "node -e \"require('fs').mkdirSync('dist'); require('fs').writeFileSync('dist/main.js', 'console.log(' + JSON.stringify(require('dev-only')) + ')')\"",
        },
      },
      { Procfile: 'worker: ls dist\n' },
    );
    const tag = await build('built', repo, '{buildType: node, node: "20", buildScript: build}');
    assert.equal(docker('run', '--rm', tag, 'web'), 'built with dev-only\n');
    assert.equal(docker('run', '--rm', tag, 'worker'), 'main.js\n');
    assert.equal(docker('run', '--rm', tag, 'ls', 'node_modules'), 'greet-prod\n');
  });

  it('fails before any step when buildScript names a script package.json lacks', async () => {
    const repo = nodeApp('noscript', { ...deps, scripts: { build: 'tsc', start: 'node dist/main.js' } });
    const events: Event[] = [];
    await assert.rejects(
      build('noscript', repo, '{buildType: node, node: "20", buildScript: compile}', events),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.deepEqual(e.problems.map(printed), [
          `build.yml:5: repositories[0].service: service "noscript": its buildScript "compile" is not a script of package.json at commit ${repo.head().slice(0, 12)} (hint: its scripts: build, start)`,
        ]);
        return true;
      },
    );
    assert.ok(!events.some((e) => e.kind === 'step-started'), 'no step ran');
  });

  it('fails before building an app with no way to start, naming the service and what was looked for', async () => {
    const repo = nodeApp('nostart', { ...deps }, { 'lib.js': 'module.exports = 1;\n' });
    await assert.rejects(build('nostart', repo), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.deepEqual(e.problems.map(printed), [
        'build.yml:5: repositories[0].service: service "nostart": nothing to run as "web": no Procfile with a web process, no "start" script in package.json, no "main", no server.js or index.js (hint: add a Procfile line such as "web: node app.js", or a "start" script)',
      ]);
      return true;
    });
  });

  it('fails naming the service when no lock file is committed', async () => {
    const repo = GitRepo.create(join(base, 'apps', 'nolock'), { 'package.json': '{"name":"nolock"}' });
    await assert.rejects(build('nolock', repo), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.deepEqual(e.problems.map(printed), [
        'build.yml:5: repositories[0].service: service "nolock": no lock file in "." or in a workspace root above it (hint: commit one of npm-shrinkwrap.json, package-lock.json, yarn.lock, pnpm-lock.yaml: the node build type installs exactly what it pins)',
      ]);
      return true;
    });
  });

  it("names the way out when the image's pnpm cannot read the lock file's format", async () => {
    // Gartenschlaeger/nodejs-express-template's pnpm 8 lock file, in an image with pnpm 10.
    const repo = GitRepo.create(join(base, 'apps', 'pnpm8lock'), {
      'package.json': JSON.stringify({
        name: 'pnpm8lock',
        version: '1.0.0',
        scripts: { start: 'node s.js' },
      }),
      'pnpm-lock.yaml':
        "lockfileVersion: '6.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n",
    });
    const tools = ensureNodeToolsImage();
    await assert.rejects(
      buildAppService({
        dir: join(base, 'builds', 'pnpm8lock'),
        name: 'pnpm8lock',
        repo,
        service: '{buildType: node, node: "20"}',
        prefix,
        images: { 'node:20': tools },
      }),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, /^service "pnpm8lock": pnpm install failed: exit status 1/);
        assert.equal(
          e.problems[0]?.hint?.split('; ')[0],
          `the pnpm in ${tools} cannot read the lockfileVersion of pnpm-lock.yaml (6.x is read by pnpm 8 and 9, ` +
            '9.x by pnpm 9 and 10): give buildImage an image with a pnpm that reads it and the same Node.js ' +
            "and C library as the run image, or pin that pnpm in package.json's packageManager",
        );
        return true;
      },
    );
  });

  it('refuses, before any step runs, an image without the package manager the lock file needs', async () => {
    const repo = GitRepo.create(join(base, 'apps', 'yarnapp'), {
      'package.json': JSON.stringify({ name: 'yarnapp', version: '1.0.0', scripts: { start: 'node s.js' } }),
      'yarn.lock':
        '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n',
    });
    const events: Event[] = [];
    await assert.rejects(build('yarnapp', repo, '{buildType: node, node: "20"}', events), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(
        printed(e.problems[0] as Problem),
        /^build\.yml:5: repositories\[0\]\.service: service "yarnapp": the image node:20 \(sha256:[0-9a-f]{64}\) has no yarn on its PATH, and no corepack to fetch it, which yarn\.lock needs \(hint: build in an image that has yarn \(buildImage\)/,
      );
      return true;
    });
    assert.ok(!events.some((e) => e.kind === 'step-started'), 'no step ran');
  });

  it('refuses Yarn 2 or later, before any step runs, naming the service, the file and the field', async () => {
    const yarnApp = (name: string, dir: string, packageManager: string, lock: string) =>
      GitRepo.create(join(base, 'apps', name), {
        [`${dir}package.json`]: JSON.stringify({ name, packageManager, scripts: { start: 'node s.js' } }),
        [`${dir}yarn.lock`]: lock,
        [`${dir}.yarnrc.yml`]: 'nodeLinker: node-modules\n',
      });
    // As 0xChqrles/unrug-api (Yarn 3.2.3, nodeLinker: node-modules) has it, in a subfolder.
    const berry = yarnApp('berry', 'api/', 'yarn@3.2.3', '__metadata:\n  version: 6\n  cacheKey: 8\n');
    // A Yarn 1 lock file with a pin of Yarn 4, which corepack would run on it.
    const pinned = yarnApp('yarn4pin', '', 'yarn@4.5.0', '# yarn lockfile v1\n\n\n');
    const cases = [
      {
        name: 'berry',
        repo: berry,
        service: '{buildType: node, node: "20", context: api}',
        problem:
          'api/yarn.lock: __metadata: service "berry": a lock file of Yarn 2 or later, which the node build type does not install: it installs a yarn.lock with Yarn 1 only (hint: build the service with buildType: docker and a Dockerfile, or commit a lock file of npm, pnpm or Yarn 1 instead)',
      },
      {
        name: 'yarn4pin',
        repo: pinned,
        service: '{buildType: node, node: "20"}',
        problem:
          'package.json: packageManager: service "yarn4pin": "yarn@4.5.0" is Yarn 2 or later, which corepack would run on yarn.lock; the node build type installs a yarn.lock with Yarn 1 only (hint: pin Yarn 1, e.g. "yarn@1.22.22", or build the service with buildType: docker and a Dockerfile)',
      },
    ];
    for (const c of cases) {
      const events: Event[] = [];
      await assert.rejects(build(c.name, c.repo, c.service, events), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.deepEqual(e.problems.map(formatProblem), [c.problem]);
        return true;
      });
      assert.ok(!events.some((e) => e.kind === 'step-started'), `${c.name}: no step ran`);
    }
  });

  it('names, for an image without pnpm, the pnpm that reads the lock file: packageManager, else the lock format', async () => {
    const cases = [
      {
        name: 'pinnedpnpm',
        packageManager: 'pnpm@10.26.2+sha512.0123abcd',
        lock: '9.0',
        pin: 'pnpm@10.26.2',
      },
      { name: 'pnpm8lockonly', packageManager: undefined, lock: '6.0', pin: 'pnpm@9' },
      { name: 'pnpm9lockonly', packageManager: 'yarn@1.22.22', lock: '9.0', pin: 'pnpm@10' },
    ];
    for (const c of cases) {
      const repo = GitRepo.create(join(base, 'apps', c.name), {
        'package.json': JSON.stringify({
          name: c.name,
          version: '1.0.0',
          scripts: { start: 'node s.js' },
          ...(c.packageManager !== undefined ? { packageManager: c.packageManager } : {}),
        }),
        'pnpm-lock.yaml': `lockfileVersion: '${c.lock}'\n`,
      });
      await assert.rejects(build(c.name, repo, '{buildType: node, node: "20"}', []), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(
          formatProblem(e.problems[0] as Problem),
          new RegExp(`has no pnpm on its PATH, .* \\(hint: .* with RUN npm install -g ${c.pin}\\)$`),
        );
        return true;
      });
    }
  });

  it("refuses, before any step runs, an image whose npm is not the one package.json's devEngines pins", async () => {
    const pkg = {
      name: 'pinned',
      version: '1.0.0',
      scripts: { start: 'node s.js' },
      devEngines: { packageManager: { name: 'npm', version: '10.0.0' } },
    };
    const repo = GitRepo.create(join(base, 'apps', 'pinned'), {
      'package.json': JSON.stringify(pkg),
      'package-lock.json': JSON.stringify({
        name: 'pinned',
        version: '1.0.0',
        lockfileVersion: 3,
        packages: { '': { name: 'pinned', version: '1.0.0' } },
      }),
      's.js': 'console.log(1);\n',
    });
    const events: Event[] = [];
    await assert.rejects(build('pinned', repo, '{buildType: node, node: "20"}', events), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(
        formatProblem(e.problems[0] as Problem),
        /^package\.json: devEngines\.packageManager: service "pinned": the image node:20 \(sha256:[0-9a-f]{64}\) has npm [0-9.]+, not the npm 10\.0\.0 that devEngines asks for: npm refuses to install, run scripts or start the app with it \(EBADDEVENGINES\) \(hint: build and run with an image that has it/,
      );
      return true;
    });
    assert.ok(!events.some((e) => e.kind === 'step-started'), 'no step ran');
  });

  it("takes into the image what the service folder's committed links point to (certeu/morio's API does so)", async () => {
    const dir = join(base, 'apps', 'linked');
    const files = {
      'package.json': JSON.stringify({ name: 'mono', version: '1.0.0', workspaces: ['api'] }),
      'api/package.json': JSON.stringify({ name: 'api', version: '1.0.0' }),
      'api/server.js': "console.log(require('./shared/greeting.js'));\n",
      'shared/src/greeting.js': "module.exports = 'hello through a link';\n",
      'shared/README.md': 'not linked: not in the image\n',
    };
    for (const [f, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), content);
    }
    execFileSync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'ignore',
    });
    symlinkSync('../shared/src', join(dir, 'api', 'shared'));
    const repo = GitRepo.create(dir);
    repo.commit({}, 'a workspace linking a folder beside it');
    const tag = await build('linked', repo, '{buildType: node, node: "20", context: api}');
    assert.equal(docker('run', '--rm', tag, 'web'), 'hello through a link\n');
    assert.equal(docker('run', '--rm', tag, 'ls', '/app/shared'), 'src\n');
  });

  it('refuses, before any step runs, an install image without tar, which hands node_modules back', async () => {
    const tools = { npm: true, yarn: false, pnpm: false, corepack: false, tar: false };
    const fake = fakeNodeImage('tci-test/fake-node-no-tar:1', {
      node: process.versions.node,
      modules: process.versions.modules,
      tools,
    });
    const repo = nodeApp('notar', { ...deps, scripts: { start: 'node s.js' } });
    const events: Event[] = [];
    await assert.rejects(
      build('notar', repo, `{buildType: node, node: "20", buildImage: "${fake}"}`, events),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(
          printed(e.problems[0] as Problem),
          /^build\.yml:5: repositories\[0\]\.service: service "notar": the image tci-test\/fake-node-no-tar:1 \(sha256:[0-9a-f]{64}\) has no tar on its PATH, which hands the installed node_modules back from its container \(hint: build in an image that has tar/,
        );
        return true;
      },
    );
    assert.ok(!events.some((e) => e.kind === 'step-started'), 'no step ran');
  });

  it('refuses a buildImage whose native modules would not load in the run image, naming both', async () => {
    const fake = fakeNodeImage('tci-test/fake-node22:1', { node: '22.1.0', modules: '127' });
    const repo = nodeApp('mismatch', { ...deps, scripts: { start: 'node s.js' } });
    await assert.rejects(
      build('mismatch', repo, `{buildType: node, node: "20", buildImage: "${fake}"}`),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.problems[0]?.message,
          `service "mismatch": buildImage ${fake} cannot build for the run image node:20: the build image has Node.js 22.1.0 (ABI 127) and the run image ${process.versions.node} (ABI ${process.versions.modules})`,
        );
        return true;
      },
    );
  });
});

/**
 * An image whose `node` answers the runtime probe as another Node.js would: only that. `tools`
 * says which of the package managers, corepack and tar are among the commands on its PATH.
 */
function fakeNodeImage(
  ref: string,
  runtime: { node: string; modules: string; tools?: Record<string, boolean> },
): string {
  const dir = mkdtempSync(join(tmpdir(), 'tci-fake-node-'));
  const { tools = { npm: true, tar: true }, ...rest } = runtime;
  const commands = ['node', 'sh', ...Object.keys(tools).filter((t) => tools[t] === true)].sort();
  const answer = JSON.stringify({ glibc: '2.36', platform: 'linux/x64', ...rest, commands: commands.length });
  writeFileSync(join(dir, 'node'), `#!/bin/sh\nprintf '%s\\n' ${commands.join(' ')}\necho '${answer}'\n`, {
    mode: 0o755,
  });
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${ensureBusyboxImage()}\nCOPY node /usr/local/bin/node\n`);
  buildFromDir(ref, dir);
  rmSync(dir, { recursive: true, force: true });
  images.push(ref);
  return ref;
}
