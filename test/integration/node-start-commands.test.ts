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

const prefix = `tci-test-start-${process.pid}/`;
const fx = useWorkspaceRegistry('tci-node-start-', prefix);

/** An app whose start runs `greeter-cli`'s commands, with that package where `field` says. */
function app(
  manager: PackageManager,
  name: string,
  field: 'dependencies' | 'devDependencies',
  manifest: Record<string, unknown>,
  files: Record<string, string> = {},
): NodeProjectRepo {
  return new NodeProjectRepo(join(fx.dir, name), manager, fx.registry.url, join(fx.dir, `cache-${manager}`), {
    root: { name, ...manifest, [field]: { 'greeter-cli': '1.0.0', 'dep-0002': '^1.0.0' } },
    files: { 'server.js': "require('dep-0002');\n", ...files },
  });
}

async function build(project: NodeProjectRepo, name: string, events: Event[] = [], fields = '') {
  return await buildAppService({
    dir: join(fx.dir, `build-${name}`),
    name,
    repo: project.repo,
    service: `{buildType: node, node: "20"${fields}}`,
    prefix,
    images: { 'node:20': ensureNodeToolsImage() },
    events,
  });
}

function refused(expected: RegExp) {
  return (e: unknown) => {
    assert.ok(isUserError(e), String(e));
    assert.match(e.message, expected);
    assert.match(e.problems[0]?.hint ?? '', /make greeter-cli a production dependency/);
    return true;
  };
}

describe('a process that starts with a command of a dev dependency', () => {
  it("fails the build before any step, naming the script and the package, with npm's command names from its lock file", async () => {
    // As NestJS's starter: "start": "nest start", with @nestjs/cli a dev dependency, and a
    // build script, which would otherwise install everything and build first.
    const project = app('npm', 'dev-start', 'devDependencies', {
      scripts: { start: 'greet world', build: 'node -e 1' },
    });
    const events: Event[] = [];
    await assert.rejects(
      build(project, 'dev-start', events, ', buildScript: build'),
      refused(
        /^package\.json: scripts\.start: service "dev-start": process "web" runs "greet" \(through the "start" script: "greet world"\), a command of greeter-cli, which the image's production dependencies do not install/,
      ),
    );
    assert.deepEqual(
      events.filter((e) => e.kind === 'step-started'),
      [],
      'neither the install nor the build script ran',
    );
  });

  it('fails the build for a Procfile line, with Yarn, by the dev dependency named', async () => {
    const project = app(
      'yarn',
      'dev-procfile',
      'devDependencies',
      {},
      { Procfile: 'web: greeter-cli $PORT\n' },
    );
    await assert.rejects(
      build(project, 'dev-procfile'),
      refused(
        /^Procfile: service "dev-procfile": process "web" runs "greeter-cli", a command of greeter-cli/,
      ),
    );
  });

  it('names the dev dependency whose command it is, with pnpm and a build script, from the installed tree', async () => {
    // As danivjje/vue-express-template's `"start": "dotenv -e .env -- node dist/app.js"` with
    // dotenv-cli a dev dependency: its command is not named after it and pnpm's lock file names
    // no commands, so the check said only that "dotenv" is nowhere, and adding the package
    // `dotenv`, the obvious guess, installs no such command.
    const project = app('pnpm', 'dev-build-pnpm', 'devDependencies', {
      scripts: { build: 'node -e 0', start: 'greet world' },
    });
    await assert.rejects(
      build(project, 'dev-build-pnpm', [], ', buildScript: build'),
      refused(
        /^package\.json: scripts\.start: service "dev-build-pnpm": process "web" runs "greet" \(through the "start" script: "greet world"\), a command of greeter-cli, which the image's production dependencies do not install/,
      ),
    );
  });
});

describe('a process that starts with a command neither the image nor a package has', () => {
  it('fails the build with Yarn, whose lock file names no commands, naming the command and the image', async () => {
    // As `"start": "nodemon server.js"` with nodemon installed globally on the author's machine.
    const project = app('yarn', 'no-command', 'dependencies', { scripts: { start: 'nodemon server.js' } });
    await assert.rejects(build(project, 'no-command'), (e: unknown) => {
      assert.ok(isUserError(e), String(e));
      assert.match(
        e.message,
        /^package\.json: scripts\.start: service "no-command": process "web" runs "nodemon" \(through the "start" script: "nodemon server\.js"\), which is neither on the PATH of the image \S+ nor a command of the image's production dependencies/,
      );
      return true;
    });
  });
});

describe('a start through npm, in a run image whose npm devEngines refuses', () => {
  it('fails the build with Yarn installing (npm is only in the pod), naming npm, the image and devEngines', async () => {
    // npm 10.9 and later refuse `npm start` (EBADDEVENGINES) where devEngines names another npm:
    // the pod would stop at once. With npm installing, the install image's check says it first.
    const project = app('yarn', 'engines-run', 'dependencies', {
      scripts: { start: 'node server.js' },
      devEngines: { packageManager: { name: 'npm', version: '99.0.0' } },
    });
    await assert.rejects(build(project, 'engines-run'), (e: unknown) => {
      assert.ok(isUserError(e), String(e));
      assert.match(
        e.message,
        /^package\.json: service "engines-run": process "web" runs npm, which refuses to run scripts in the image \S+: it has npm [0-9.]+, not the npm 99\.0\.0 that devEngines asks for \(EBADDEVENGINES\)/,
      );
      assert.match(e.problems[0]?.hint ?? '', /let devEngines accept the image's/);
      return true;
    });
  });
});

describe("a production dependency's command", () => {
  for (const manager of ['npm', 'pnpm'] as const) {
    it(`runs from a Procfile line, as on Heroku (${manager}: node_modules/.bin ends the PATH)`, async () => {
      const name = `prod-procfile-${manager}`;
      const project = app(manager, name, 'dependencies', {}, { Procfile: 'web: greet from procfile\n' });
      const { image } = await build(project, name);
      assert.equal(
        execFileSync('docker', ['run', '--rm', image], { encoding: 'utf8' }),
        'greetings from procfile\n',
      );
      const path = (img: string) =>
        execFileSync('docker', ['run', '--rm', '--entrypoint', 'sh', img, '-c', 'echo $PATH'], {
          encoding: 'utf8',
        });
      assert.equal(path(image), path(ensureNodeToolsImage()).replace(/\n$/, ':/app/node_modules/.bin\n'));
    });
  }
});
