import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkProcessCommands,
  type ProcessCommandsInput,
} from '../../../../src/build-types/node/process-commands.js';
import { isUserError } from '../../../../src/core/user-error.js';

/** NestJS's starter as npm's lock file and manifest describe it. */
const known = new Map([
  ['nest', '@nestjs/cli'],
  ['tsc', 'typescript'],
  ['ts-node', 'ts-node'],
  ['cross-env', 'cross-env'],
  ['pm2-runtime', 'pm2'],
]);

function check(
  web: string,
  scripts: Record<string, string> = {},
  {
    installed = ['pm2', 'pm2-runtime'],
    fromProcfile = false,
    image = undefined as string[] | undefined,
    knownCommands = known,
    byLockFile = false,
    npmRefusal = undefined as string | undefined,
  } = {},
): string[] {
  const input: ProcessCommandsInput = {
    service: 'api',
    processes: [{ name: 'web', command: web }],
    file: () => (fromProcfile ? 'services/api/Procfile' : 'services/api/package.json'),
    manifestFile: 'services/api/package.json',
    scripts,
    installed: new Set(installed),
    known: knownCommands,
    packages: new Set(['express', 'pm2']),
    devPackages: new Set(['dotenv', '@swc/register', 'ts-node', 'typescript']),
    ...(image !== undefined ? { image: { ref: 'node:20', commands: new Set(image) } } : {}),
    ...(byLockFile ? { installedByLockFile: true } : {}),
    ...(npmRefusal !== undefined ? { npmRefusal } : {}),
  };
  try {
    checkProcessCommands(input);
    return [];
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    return e.problems.map((p) => `${p.file}${p.path === undefined ? '' : ` ${p.path}`}: ${p.message}`);
  }
}

describe('the commands a process starts with', () => {
  it("refuse a dev dependency's command run by the start script, naming the package", () => {
    assert.deepEqual(check('npm start', { start: 'nest start' }), [
      'services/api/package.json scripts.start: service "api": process "web" runs "nest" (through the "start" script: "nest start"), ' +
        "a command of @nestjs/cli, which the image's production dependencies do not install",
    ]);
  });

  it("hint at a build script to add, or at what the service's build script makes", () => {
    const hint = (buildScript?: string) => {
      try {
        checkProcessCommands({
          service: 'api',
          processes: [{ name: 'web', command: 'npm start' }],
          file: () => 'package.json',
          manifestFile: 'package.json',
          scripts: { start: 'nest start' },
          installed: new Set(),
          known,
          packages: new Set(),
          devPackages: new Set(),
          ...(buildScript !== undefined ? { buildScript } : {}),
        });
      } catch (e) {
        assert.ok(isUserError(e), String(e));
        return e.problems[0]?.hint ?? '';
      }
      return '';
    };
    assert.match(
      hint(),
      /^make @nestjs\/cli a production dependency, or build the app with a buildScript and start what it makes with node/,
    );
    assert.match(
      hint('build:image'),
      /^make @nestjs\/cli a production dependency, or start what the "build:image" script makes with node \(a Procfile line/,
    );
  });

  it('pass node, the commands the production dependencies installed, and those no package provides', () => {
    assert.deepEqual(check('npm start', { start: 'node dist/main.js' }), []);
    assert.deepEqual(check('pm2-runtime start ecosystem.config.js', {}, { fromProcfile: true }), []);
    assert.deepEqual(
      check('npm start', { start: 'NODE_ENV=production nest start' }, { installed: ['nest'] }),
      [],
    );
    assert.deepEqual(check('gunicorn app:app && ./bin/run $PORT'), []);
  });

  it('follow lists, pipelines, assignments and prefixes such as exec, env and cross-env', () => {
    assert.deepEqual(
      check('PORT=1 exec env -i A=b ts-node src/main.ts | tee log; echo done').map((p) => p.split(': ')[0]),
      ['services/api/package.json'],
    );
    assert.match(check('cross-env NODE_ENV=production node dist/main')[0] ?? '', /runs "cross-env"/);
    assert.deepEqual(
      check('cross-env NODE_ENV=production node dist/main', {}, { installed: ['cross-env'] }),
      [],
    );
    assert.match(check('npx ts-node src/main.ts')[0] ?? '', /runs "ts-node"/);
    assert.deepEqual(check('npx -y ts-node src/main.ts'), [], "npx told to fetch: not the image's to hold");
    assert.deepEqual(check('node_modules/.bin/nest start'), [], 'a path is not looked up');
  });

  it("follow a shell's -c string, and look the shell up in the image", () => {
    assert.match(check("sh -c 'nest start'")[0] ?? '', /runs "nest", a command of @nestjs\/cli/);
    assert.match(check('bash -lc "exec ts-node src/main.ts"')[0] ?? '', /runs "ts-node"/);
    assert.match(
      check('npm start', { start: "sh -ec 'nest start --watch'" })[0] ?? '',
      /through the "start" script/,
    );
    assert.deepEqual(check("sh -c 'node dist/main.js'", {}, { image: ['sh', 'node'] }), []);
    assert.deepEqual(check('sh start.sh'), [], 'a script file is not read');
    assert.match(
      check("bash -c 'node dist/main.js'", {}, { image: ['sh', 'node'] })[0] ?? '',
      /runs "bash", which is neither on the PATH of the image node:20/,
    );
  });

  it("follow `npm run`, Yarn's and pnpm's script names, and npm's and Yarn's pre scripts", () => {
    const scripts = { start: 'npm run build && node dist/main.js', build: 'tsc -p .', prestart: 'tsc' };
    assert.deepEqual(
      check('npm start', scripts).map((p) => /through the "(\w+)" script/.exec(p)?.[1]),
      ['prestart', 'build'],
    );
    assert.match(check('yarn serve', { serve: 'ts-node a.ts' })[0] ?? '', /"serve" script/);
    assert.deepEqual(check('pnpm start', { prestart: 'tsc', start: 'node a.js' }), []);
    assert.deepEqual(check('npm start', { start: 'npm start' }), [], 'a script running itself is read once');
  });

  it('name the Procfile for its own lines', () => {
    assert.deepEqual(
      check('nest start', {}, { fromProcfile: true }).map((p) => p.split(': ')[0]),
      ['services/api/Procfile'],
    );
  });

  it('refuse a dev dependency that node preloads, as a start script with -r dotenv/config has it', () => {
    const start = 'TZ=UTC DOTENV_CONFIG_PATH=./.env node -r dotenv/config ./dist/index.js';
    assert.deepEqual(check('npm start', { start }), [
      `services/api/package.json scripts.start: service "api": process "web" runs node with "-r dotenv/config" (through the "start" script: ${JSON.stringify(start)}), ` +
        "a module of dotenv, which the image's production dependencies do not install",
    ]);
    assert.match(
      check('node --import=@swc/register dist/main.js')[0] ?? '',
      /"--import @swc\/register", a module of @swc\/register/,
    );
    assert.deepEqual(
      check('node -r ./tracing.js -r express dist/main.js dotenv'),
      [],
      'paths, production packages, arguments',
    );
  });

  describe("with the run image's commands known", () => {
    /** The commands of `node:20`'s PATH, in part. */
    const image = ['node', 'npm', 'npx', 'corepack', 'sh', 'env', 'tee', 'tsc'];

    it("refuse a command that is neither on the image's PATH nor installed, as Yarn's and pnpm's `nest start`", () => {
      // Yarn's and pnpm's lock files name no commands: `nest` is not known as @nestjs/cli's.
      assert.deepEqual(
        check('yarn start', { start: 'nest start' }, { image, knownCommands: new Map() }).map((p) =>
          p.replace(/^.*?: service/, 'service'),
        ),
        [
          'service "api": process "web" runs "yarn", which is neither on the PATH of the image node:20 nor a command of the image\'s production dependencies',
          'service "api": process "web" runs "nest" (through the "start" script: "nest start"), which is neither on the PATH of the image node:20 nor a command of the image\'s production dependencies',
        ],
      );
      assert.deepEqual(check('npm start', { start: 'nest start' }, { image, installed: ['nest'] }), []);
    });

    it("judge, before the install, only what the lock file knows: a workspace's own command passes", () => {
      const byLockFile = true;
      assert.match(check('nest start', {}, { image, byLockFile })[0] ?? '', /a command of @nestjs\/cli/);
      assert.deepEqual(check('acme-server --port 80', {}, { image, byLockFile }), []);
      assert.match(check('acme-server --port 80', {}, { image })[0] ?? '', /neither on the PATH/);
    });

    it("pass the image's own commands, sh's builtins, variables and what npx fetches", () => {
      assert.deepEqual(check('tsc -p . && node dist/main.js', {}, { image }), [], 'tsc on the PATH');
      assert.deepEqual(check('cd dist; exec node main.js | tee log', {}, { image }), []);
      assert.deepEqual(check('$SERVER --port $PORT', {}, { image }), []);
      assert.deepEqual(check('npx serve -s build', {}, { image }), [], 'npx fetches what is not installed');
      assert.deepEqual(check('./bin/www', {}, { image }), [], 'a path is not looked up');
      assert.deepEqual(
        check('corepack enable && yarn start', { start: 'node a.js' }, { image }),
        [],
        'corepack enable puts yarn on the PATH',
      );
    });
  });

  it("refuse a script run through npm when the run image's npm refuses it, and only then", () => {
    const refusal =
      'which refuses to run scripts in the image node:20: it has npm 10.9.2, not the npm 11.16.0 that devEngines asks for (EBADDEVENGINES)';
    const scripts = { start: 'node server.js', migrate: 'node migrate.js' };
    const refused = { npmRefusal: refusal, installed: [] };
    assert.deepEqual(check('npm start', scripts, refused), [
      `services/api/package.json: service "api": process "web" runs npm, ${refusal}`,
    ]);
    assert.deepEqual(check('npm run migrate && node server.js', scripts, refused).length, 1);
    assert.deepEqual(check('node server.js', scripts, refused), [], 'npm is not run');
    assert.deepEqual(check('yarn start', scripts, refused), [], 'Yarn does not read devEngines');
    assert.deepEqual(check('npm start', scripts, { installed: [] }), [], 'an image npm accepts');
  });
});
