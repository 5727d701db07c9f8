import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PackageManager } from '../../src/build-types/node/package-manager.js';
import type { Event } from '../../src/core/events.js';
import { isUserError } from '../../src/core/user-error.js';
import { buildAppService } from '../helpers/app-build.js';
import { NodeProjectRepo } from '../helpers/node-project-repo.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { useWorkspaceRegistry } from '../helpers/workspace-registry.js';

const prefix = `tci-test-scripts-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-scripts-', prefix);

/** What `require('with-install-script')` gives in the image: the file its install script built. */
function loads(image: string): string {
  try {
    return execFileSync(
      'docker',
      ['run', '--rm', image, 'node', '-e', "console.log(require('with-install-script'))"],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
  } catch (e) {
    return /Cannot find module '\.\/built\.js'/.test(String((e as { stderr?: string }).stderr))
      ? 'built.js missing'
      : `failed: ${String((e as { stderr?: string }).stderr)}`;
  }
}

const warnings = (events: Event[]) => events.flatMap((e) => (e.kind === 'warning' ? [e.message] : []));
const installed = (events: Event[]) =>
  events.some((e) => e.kind === 'log-line' && /installed by/.test(e.line));

function app(
  manager: PackageManager,
  name: string,
  dependencies: Record<string, string> = { 'with-install-script': '1.0.0', 'dep-0002': '^1.0.0' },
): NodeProjectRepo {
  return new NodeProjectRepo(join(fx.dir, name), manager, fx.registry.url, join(fx.dir, `cache-${manager}`), {
    root: { name, scripts: { start: 'node server.js' }, dependencies },
    files: { 'server.js': "console.log(require('with-install-script'));\n" },
  });
}

async function build(project: NodeProjectRepo, name: string, fields = '') {
  return await buildAppService({
    dir: join(fx.dir, `build-${name}`),
    name,
    repo: project.repo,
    service: `{buildType: node, node: "20"${fields}}`,
    prefix,
    images: { 'node:20': ensureNodeToolsImage() },
  });
}

describe('install scripts of dependencies', () => {
  for (const manager of ['npm', 'yarn'] as const) {
    it(`run as ${manager} runs them by default: a module built at install loads in the image`, async () => {
      const { image, events } = await build(app(manager, `runs-${manager}`), `runs-${manager}`);
      assert.equal(loads(image), 'built at install');
      assert.deepEqual(warnings(events), []);
    });
  }

  it('do not run with ignoreScripts, which warns naming them, also when the layer is reused', async () => {
    const project = app('npm', 'ignored');
    const first = await build(project, 'ignored', ', ignoreScripts: true');
    const expected =
      'service "ignored": ignoreScripts is set, so the install scripts of 1 package will not run: ' +
      'with-install-script@1.0.0; a package that builds a file it loads (a native module) will fail when it is required';
    assert.deepEqual(warnings(first.events), [expected]);
    assert.equal(loads(first.image), 'built.js missing');
    project.repo.commit({ 'server.js': "console.log('changed', require('dep-0002'));\n" });
    const second = await build(project, 'ignored', ', ignoreScripts: true');
    assert.ok(!installed(second.events), 'the dependency layer is reused');
    assert.deepEqual(warnings(second.events), [expected]);
  });

  it('that need a compiler the image lacks fail the build, with buildImage as the way out', async () => {
    const project = app('npm', 'no-compiler', { 'needs-compiler': '1.0.0' });
    await assert.rejects(build(project, 'no-compiler'), (e: unknown) => {
      assert.ok(isUserError(e), String(e));
      assert.match(e.message, /^service "no-compiler": npm install failed: exit status 1/);
      assert.equal(
        e.problems[0]?.hint?.split('; ')[0],
        `an install script needs build tools (a C/C++ compiler, make, Python) that ${ensureNodeToolsImage()} lacks: ` +
          'give buildImage an image that has them and the same Node.js and C library as the run image',
      );
      assert.ok(
        e.details.some((l) => /g\+\+: not found/.test(l)),
        'the last lines show what was missing',
      );
      return true;
    });
  });

  it('that need a compiler get the buildImage hint when more lines follow the missing one (node-pre-gyp)', async () => {
    const project = app('yarn', 'wrapped', { 'needs-compiler-wrapped': '1.0.0' });
    await assert.rejects(build(project, 'wrapped'), (e: unknown) => {
      assert.ok(isUserError(e), String(e));
      assert.ok(!e.details.some((l) => /g\+\+: not found/.test(l)), 'out of the last lines');
      assert.match(
        e.problems[0]?.hint ?? '',
        /^an install script needs build tools .* give buildImage an image/,
      );
      return true;
    });
  });

  it("follow pnpm 10's rule, which runs only allowed ones, with a warning naming the others", async () => {
    const { image, events } = await build(app('pnpm', 'pnpm-default'), 'pnpm-default');
    assert.equal(loads(image), 'built.js missing', 'what pnpm itself gives');
    assert.deepEqual(warnings(events), [
      'service "pnpm-default": pnpm did not run the install scripts of 1 package: with-install-script@1.0.0; ' +
        'pnpm runs only those its settings allow (onlyBuiltDependencies in pnpm-workspace.yaml or package.json)',
    ]);
  });
});

describe("the project's own install scripts", () => {
  it('a Yarn 1 root prepare, which `yarn --production` does not run, does not reinstall on a code change', async () => {
    // As hagopj13/node-express-boilerplate has: husky is a dev dependency, absent here.
    const project = new NodeProjectRepo(
      join(fx.dir, 'own-prepare'),
      'yarn',
      fx.registry.url,
      join(fx.dir, 'cache-yarn'),
      {
        root: {
          name: 'own-prepare',
          scripts: { start: 'node server.js', prepare: 'husky install' },
          dependencies: { 'dep-0002': '^1.0.0' },
        },
        files: { 'server.js': "console.log('first', typeof require('dep-0002'));\n" },
      },
    );
    await build(project, 'own-prepare');
    project.repo.commit({ 'server.js': "console.log('second', typeof require('dep-0002'));\n" });
    const second = await build(project, 'own-prepare');
    assert.ok(!installed(second.events), 'the dependency layer is reused: yarn is not run again');
    assert.equal(
      execFileSync('docker', ['run', '--rm', second.image, 'node', 'server.js'], { encoding: 'utf8' }),
      'second object\n',
      'the new code, with the dependencies of the reused layer',
    );
  });
});
