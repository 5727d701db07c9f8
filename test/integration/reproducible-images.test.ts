import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureNodeImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { httpGet } from '../helpers/http-get.js';
import { NodeApps } from '../helpers/node-app.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cliPath, runCli } from '../helpers/run-cli.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';
import { createTestBuildpack } from '../helpers/test-buildpack.js';
import { tempDir } from '../helpers/temp-dir.js';
import { removeImages, removeImagesWhere } from '../helpers/remove-images.js';

/**
 * node and heroku-buildpack images are reproducible: the real CLI, run from two clones made at
 * different times, in different working directories and base dirs, with different umasks and
 * time zones, gives byte-identical image digests, with --push and without; and the pushed
 * images pull and run as before. Without a Docker daemon (DOCKER_HOST pointing where nothing
 * listens; the shared daemon is never stopped) a build of bases in the registry still works.
 */
const root = await tempDir('tci-repro-');
const pid = process.pid;
/** The original commits' time, in a zone of its own: clones made later must not matter. */
const DATE = '2021-03-04T05:06:07+05:45';
const DEAD_DAEMON = `unix://${join(root, 'no-daemon.sock')}`;
let registry: TestRegistry;
let stack: TestStack;
let originals: { web: GitRepo; greeter: GitRepo; buildpack: GitRepo };
const localTags: string[] = [];
/** Every setting's prefix: the kept images of its build script go by it. */
const prefixes: string[] = [];

interface Run {
  code: number | null;
  stderr: string;
  release: { web: Record<string, unknown>; greeter: Record<string, unknown> } | undefined;
  actions: Record<string, string>;
  warnings: string[];
}

/** One setting of the build: its own clones, working directory, base dir and image prefix. */
interface Setting {
  dir: string;
  prefix: string;
  umask: string;
  tz: string;
  images?: Record<string, string>;
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** Bare clones of the original repositories into `<dir>/clones`, as another machine would make them. */
function clone(dir: string): void {
  for (const [name, repo] of Object.entries(originals)) {
    execFileSync('git', ['clone', '-q', '--bare', repo.path, join(dir, 'clones', `${name}.git`)]);
  }
}

function writeSpec(s: Setting, baseImages: Record<string, string>): void {
  const url = (name: string) => `file://${join(s.dir, 'clones', `${name}.git`)}#main`;
  mkdirSync(join(s.dir, 'spec'), { recursive: true });
  writeFileSync(
    join(s.dir, 'spec', 'build.yml'),
    [
      'repositories:',
      '  - name: web',
      '    kind: service',
      `    source: ${url('web')}`,
      '    service: {buildType: node, node: "20", buildScript: build}',
      '  - name: greeter',
      '    kind: service',
      `    source: ${url('greeter')}`,
      `    service: {buildType: heroku-buildpack, stack: heroku-20, buildpack: "${url('buildpack')}"}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(s.dir, 'spec', 'deploy.yml'), 'resources: []\n');
  writeFileSync(
    join(s.dir, 'build-config.yml'),
    `docker: {repositoryPrefix: "${s.prefix}"}\nimages: ${JSON.stringify(baseImages)}\n`,
  );
}

/** The real CLI, under `umask` and `TZ`, from the setting's folder, with relative paths. */
async function build(s: Setting, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const args = ['build', '--log-format', 'json', '--base-dir', 'base', '--build-config', 'build-config.yml'];
  const child = spawn(
    'sh',
    [
      '-c',
      `umask ${s.umask}; exec "$@"`,
      'sh',
      process.execPath,
      cliPath,
      ...args,
      ...extra,
      'spec',
      'release.json',
    ],
    {
      cwd: s.dir,
      env: { ...process.env, DEBUG: '', TZ: s.tz, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const events = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, string>);
  const actions = Object.fromEntries(
    events.filter((e) => e['kind'] === 'plan-decided').map((e) => [e['service'], e['action']]),
  );
  let release: Run['release'];
  if (code === 0) {
    const repos = (
      JSON.parse(readFileSync(join(s.dir, 'release.json'), 'utf8')) as {
        build: { repositories: Array<{ name: string; service: Record<string, unknown> }> };
      }
    ).build.repositories;
    const service = (n: string) => repos.find((r) => r.name === n)?.service ?? {};
    release = { web: service('web'), greeter: service('greeter') };
  }
  const warnings = events.filter((e) => e['kind'] === 'warning').map((e) => String(e['message']));
  return { code, stderr, release, actions, warnings };
}

function digests(run: Run): { web: unknown; greeter: unknown } {
  assert.equal(run.code, 0, run.stderr);
  return { web: run.release?.web['imageDigest'], greeter: run.release?.greeter['imageDigest'] };
}

let settingCount = 0;
/** A fresh setting: clones made now, its own folder and prefix (in the registry or local). */
function setting(opts: { umask: string; tz: string; registryPrefix: boolean }): Setting {
  const n = ++settingCount;
  const dir = join(root, `setting-${n}`);
  clone(dir);
  const prefix = opts.registryPrefix ? `${registry.host}/repro-${pid}-${n}/` : `tci-repro-${pid}-${n}/`;
  if (!opts.registryPrefix) localTags.push(prefix);
  prefixes.push(prefix);
  const s = { dir, prefix, umask: opts.umask, tz: opts.tz };
  writeSpec(s, registryBases());
  return s;
}

function registryBases(): Record<string, string> {
  return {
    'node:20': `${registry.host}/base-${pid}/node:20`,
    'heroku/heroku:20': `${registry.host}/base-${pid}/heroku:20`,
    'heroku/heroku:20-build': `${registry.host}/base-${pid}/heroku:20-build`,
  };
}

before(async () => {
  registry = await startRegistry();
  stack = makeTestStack(20, 'repro');
  const local: Record<string, string> = { 'node:20': ensureNodeImage(), ...stack.images };
  for (const [name, target] of Object.entries(registryBases())) {
    docker('tag', local[name] as string, target);
    docker('push', target);
    docker('rmi', target);
  }
  const apps = new NodeApps(join(root, 'src'));
  apps.pack('greet-prod', {
    'package.json': JSON.stringify({ name: 'greet-prod', version: '1.0.0' }),
    'index.js': "module.exports = 'hello from greet-prod';\n",
  });
  apps.pack('greet-dev', {
    'package.json': JSON.stringify({ name: 'greet-dev', version: '1.0.0' }),
    'index.js': "module.exports = 'built with greet-dev';\n",
  });
  // A build script with a dev dependency: on the engine it starts from a kept install, under
  // runc one container installs and builds; both must give the same image.
  const web = apps.app(
    'web',
    {
      dependencies: { 'greet-prod': 'file:vendor/greet-prod-1.0.0.tgz' },
      devDependencies: { 'greet-dev': 'file:vendor/greet-dev-1.0.0.tgz' },
      scripts: { start: 'node server.js', build: 'node build.js' },
    },
    {
      'build.js':
        "const fs = require('fs'); fs.mkdirSync('dist', { recursive: true });\n" +
        "fs.writeFileSync('dist/banner.txt', require('greet-dev') + '\\n');\n",
      'server.js': `const greet = require('greet-prod');
require('node:http').createServer((req, res) => res.end(greet)).listen(process.env.PORT || 3000);
`,
    },
    DATE,
  );
  const greeter = GitRepo.create(join(root, 'src', 'greeter'));
  greeter.commit({ Procfile: 'web: bin/greet web\n', greeting: 'Hello' }, 'initial', DATE);
  originals = { web, greeter, buildpack: createTestBuildpack(join(root, 'src', 'buildpack')) };
});

after(async () => {
  for (const prefix of localTags) removeImages(`${prefix}*`);
  for (const prefix of prefixes) removeImagesWhere(`label=org.taskcluster-installer.kept-for=${prefix}web`);
  // The bases' pushes left digest references (`<registry>/base-<pid>/node@sha256:…`) on the
  // local images, which would keep the stack's alive; only the references go (the node image
  // is shared with other test files).
  const refs = execFileSync(
    'docker',
    [
      'images',
      '--digests',
      '--format',
      '{{.Repository}}@{{.Digest}}',
      '--filter',
      `reference=${registry.host}/base-${pid}/*`,
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((r) => r.includes('@sha256:'));
  if (refs.length > 0) execFileSync('docker', ['rmi', ...refs], { stdio: 'ignore' });
  stack?.remove();
  await registry?.stop();
});

describe('reproducible node and heroku-buildpack images', () => {
  let pushedA: Run;
  let settingA: Setting;

  test('two machines, clones made at different times, other umask and TZ: the same digests, pushed or not', async () => {
    settingA = setting({ umask: '022', tz: 'UTC', registryPrefix: true });
    await new Promise((r) => setTimeout(r, 1100));
    const settingB = setting({ umask: '077', tz: 'Pacific/Chatham', registryPrefix: true });
    pushedA = await build(settingA, ['--push']);
    const pushedB = await build(settingB, ['--push']);
    const a = digests(pushedA);
    assert.match(String(a.web), /^sha256:[0-9a-f]{64}$/);
    assert.match(String(a.greeter), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(a.web, a.greeter);
    assert.deepEqual(digests(pushedB), a);
    assert.equal(pushedA.release?.web['reproducible'], true);
    assert.equal(pushedA.release?.web['dockerImage'], `${settingA.prefix}web@${String(a.web)}`);
    const validate = await runCli(['validate', join(settingA.dir, 'release.json')]);
    assert.equal(validate.code, 0, `the release loads as a spec: ${validate.stderr}`);

    const localA = await build(setting({ umask: '002', tz: 'America/St_Johns', registryPrefix: false }));
    const localB = await build(setting({ umask: '077', tz: 'Asia/Kolkata', registryPrefix: false }));
    assert.deepEqual(digests(localA), a, 'loaded into the daemon: the same digest as pushed');
    assert.deepEqual(digests(localB), a);
    assert.match(String(localA.release?.web['dockerImage']), /^tci-repro-\d+-\d+\/web:SVC-[0-9a-f]{32}$/);
    assert.equal(
      docker('run', '--rm', String(localB.release?.greeter['dockerImage'])),
      'Hello from bin/greet web',
      'the loaded image runs',
    );
  });

  test('without --push, an image only the registry has is pulled into the base dir and loaded, not built', async () => {
    const s = { ...setting({ umask: '022', tz: 'UTC', registryPrefix: true }), prefix: settingA.prefix };
    writeSpec(s, registryBases());
    localTags.push(s.prefix);
    const run = await build(s);
    assert.deepEqual(run.actions, { web: 'pull', greeter: 'pull' });
    assert.deepEqual(digests(run), digests(pushedA));
    assert.equal(
      docker('run', '--rm', String(run.release?.greeter['dockerImage'])),
      'Hello from bin/greet web',
    );
    const again = await build(s);
    assert.deepEqual(again.actions, { web: 'skip', greeter: 'skip' });
  });

  test('the pushed images pull and run: web serves HTTP, the heroku web process sees .profile.d', async () => {
    const web = String(pushedA.release?.web['dockerImage']);
    const greeter = String(pushedA.release?.greeter['dockerImage']);
    docker('pull', '-q', web);
    docker('pull', '-q', greeter);
    try {
      assert.equal(docker('run', '--rm', greeter), 'Hello from bin/greet web');
      const id = docker('run', '-d', '-p', '127.0.0.1::3000', web);
      try {
        const port = docker('port', id, '3000/tcp').split(':').pop();
        assert.equal(await httpGet(`http://127.0.0.1:${port}/`), '200 hello from greet-prod');
      } finally {
        docker('rm', '-f', id);
      }
    } finally {
      execFileSync('docker', ['rmi', web, greeter], { stdio: 'ignore' });
    }
  });

  test('a change to one source file changes that service digest and no other', async () => {
    originals.web.commit({
      'server.js': 'require("node:http").createServer((q, s) => s.end("v2")).listen(3000);\n',
    });
    execFileSync('git', [
      '-C',
      join(settingA.dir, 'clones', 'web.git'),
      'fetch',
      '-q',
      'origin',
      'main:main',
    ]);
    const again = await build(settingA, ['--push']);
    assert.deepEqual(again.actions, { web: 'build', greeter: 'skip' });
    const before = digests(pushedA);
    const after = digests(again);
    assert.notEqual(after.web, before.web);
    assert.equal(after.greeter, before.greeter);
  });

  test('no Docker daemon: build --push works from registry bases, and a repeat does no work', async () => {
    const s = setting({ umask: '022', tz: 'UTC', registryPrefix: true });
    execFileSync('git', ['-C', join(s.dir, 'clones', 'web.git'), 'fetch', '-q', 'origin', 'main:main']);
    const first = await build(s, ['--push'], { DOCKER_HOST: DEAD_DAEMON });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.actions, { web: 'build', greeter: 'build' });
    const withDaemon = await build(settingA, ['--push']);
    assert.deepEqual(digests(first), digests(withDaemon), 'runc gives what the Docker engine gave');
    const repeat = await build(s, ['--push'], { DOCKER_HOST: DEAD_DAEMON });
    assert.deepEqual(repeat.actions, { web: 'skip', greeter: 'skip' });
    assert.deepEqual(digests(repeat), digests(first));
  });

  test('no Docker daemon and no --push: the image stays in the base dir, with a warning naming it', async () => {
    const s = setting({ umask: '022', tz: 'UTC', registryPrefix: false });
    execFileSync('git', ['-C', join(s.dir, 'clones', 'web.git'), 'fetch', '-q', 'origin', 'main:main']);
    const run = await build(s, [], { DOCKER_HOST: DEAD_DAEMON });
    assert.equal(run.code, 0, run.stderr);
    const warning = run.warnings.find((w) => w.startsWith('service "web": ')) ?? '';
    assert.ok(
      warning.startsWith(
        `service "web": not loaded into a Docker daemon (cannot reach the Docker daemon at DOCKER_HOST=${DEAD_DAEMON}`,
      ),
      warning,
    );
    assert.ok(warning.endsWith(`is in the image layout ${join(s.dir, 'base', 'images', 'oci')}`), warning);
    assert.deepEqual(digests(run), digests(await build(settingA, ['--push'])));
  });

  test('no Docker daemon and a base only a daemon has: an error naming the image and what is missing', async () => {
    const s = setting({ umask: '022', tz: 'UTC', registryPrefix: true });
    writeSpec(s, { ...registryBases(), 'node:20': `${registry.host}/base-${pid}/not-pushed:20` });
    const run = await build(s, ['--push'], { DOCKER_HOST: DEAD_DAEMON });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `service "web": base image "${registry.host}/base-${pid}/not-pushed:20" is not in its registry, and there is no Docker daemon \\(cannot reach the Docker daemon at DOCKER_HOST=`,
      ),
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
});
