import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BuildRig, listFiles } from '../helpers/build-rig.js';
import { runCliToEnd, type CliOutcome } from '../helpers/cli-process.js';
import { GitHttpServer } from '../helpers/git-http-server.js';
import { GitRepo } from '../helpers/git-repo.js';
import { HerokuAppRig } from '../helpers/heroku-app-rig.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestStack, type TestStack } from '../helpers/stack-images.js';

/**
 * Planted secrets — a registry password and user name read with `!env`, and a token in an
 * http source URL — must appear nowhere: not in the release, any file under the base dir, the
 * output of any log format or of --dry-run, error messages, the built image's history,
 * config, labels or layers, and ~/.docker must not be created.
 */
const PASSWORD = `pw-SECRET-${process.pid}-q7Zk`;
const USER = `user-SECRET-${process.pid}`;
const TOKEN = `tok-SECRET-${process.pid}-v2Xw`;
/** Every form a secret could leak in: plain, URL-encoded, base64 of `user:password`. */
const FORMS = [
  PASSWORD,
  USER,
  TOKEN,
  Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
  Buffer.from(`${TOKEN}:`).toString('base64'),
];

function leaks(where: string, data: string | Buffer): void {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  for (const form of FORMS)
    assert.equal(buf.includes(form), false, `${where} contains a secret (${form.slice(0, 6)}…)`);
}

function leaksIn(name: string, o: CliOutcome): void {
  leaks(`${name} stdout`, o.stdout);
  leaks(`${name} stderr`, o.stderr);
}

describe('secrets never leave the tool', () => {
  let registry: TestRegistry;
  let git: GitHttpServer;
  let rig: BuildRig;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
    rig = BuildRig.create([{ name: 'placeholder' }]);
    const served = GitRepo.create(join(rig.dir, 'served', 'app'), {
      Dockerfile: `FROM tci-test/busybox:latest\nRUN echo built > /built\nCMD ["cat","/built"]\n`,
    });
    execFileSync('git', ['clone', '-q', '--bare', served.path, join(rig.dir, 'served', 'app.git')]);
    git = await GitHttpServer.start(join(rig.dir, 'served'), { token: TOKEN });
    writeFileSync(
      join(rig.specDir, 'build.yml'),
      [
        'repositories:',
        '  - name: app',
        '    kind: service',
        `    source: ${git.url('app.git', TOKEN)}#main`,
        '    service:',
        '      buildType: docker',
        '',
      ].join('\n'),
    );
    writeFileSync(
      rig.configPath,
      [
        'docker:',
        `  repositoryPrefix: "${registry.host}/secrets-${process.pid}/"`,
        '  registries:',
        `    "${registry.host}": {username: !env TCI_SECRET_USER, password: !env TCI_SECRET_PW}`,
        '',
      ].join('\n'),
    );
    home = join(rig.dir, 'home');
    env = { HOME: home, TCI_SECRET_USER: USER, TCI_SECRET_PW: PASSWORD };
  });
  after(async () => {
    await git?.stop();
    await registry?.stop();
    rig?.cleanup();
  });

  test('a build with --push in every log format, a dry run and a refused credential', async () => {
    const first = await runCliToEnd(rig.buildArgs('--push'), { env });
    assert.equal(first.code, 0, first.stderr);
    leaksIn('build --log-format json', first);
    assert.ok(first.events.some((e) => e.kind === 'image-pushed'));

    for (const format of ['plain', 'tty']) {
      const args = rig.buildArgs('--push').map((a) => (a === 'json' ? format : a));
      const o = await runCliToEnd(args, { env });
      assert.equal(o.code, 0, o.stderr);
      leaksIn(`build --log-format ${format}`, o);
    }
    for (const format of ['plain', 'json']) {
      const args = rig.buildArgs('--push', '--dry-run').map((a) => (a === 'json' ? format : a));
      const o = await runCliToEnd(args, { env });
      assert.equal(o.code, 0, o.stderr);
      leaksIn(`--dry-run --log-format ${format}`, o);
    }

    // A wrong password (still a secret) and a refused token: the errors must not quote them.
    const wrong = await runCliToEnd(rig.buildArgs('--push'), {
      env: { ...env, TCI_SECRET_PW: `${PASSWORD}-x` },
    });
    assert.equal(wrong.code, 1);
    leaksIn('refused registry credentials', wrong);
    assert.match(wrong.stderr, new RegExp(`registry ${registry.host} refused the credentials`));

    const release = readFileSync(rig.releasePath, 'utf8');
    leaks('release', release);
    assert.match(release, new RegExp(`"source": "http://127\\.0\\.0\\.1:${git.port}/app\\.git#main"`));

    const files = listFiles(rig.baseDir);
    assert.ok(
      files.some((f) => f.endsWith('build.log')),
      files.join('\n'),
    );
    for (const file of files) leaks(`base dir file ${file}`, readFileSync(join(rig.baseDir, file)));
    assert.equal(existsSync(join(home, '.docker')), false, '~/.docker was created');
  });

  test('a refused source token names the entry and the URL without the token', async () => {
    writeFileSync(
      join(rig.specDir, 'build.yml'),
      readFileSync(join(rig.specDir, 'build.yml'), 'utf8').replace(TOKEN, `${TOKEN}-wrong`),
    );
    try {
      const o = await runCliToEnd(rig.buildArgs('--push'), { env });
      assert.equal(o.code, 1);
      leaksIn('refused source token', o);
      assert.match(o.stderr, /build\.yml(:\d+)?: repositories\[0\]\.source: /);
      assert.match(o.stderr, new RegExp(`http://127\\.0\\.0\\.1:${git.port}/app\\.git`));
    } finally {
      writeFileSync(
        join(rig.specDir, 'build.yml'),
        readFileSync(join(rig.specDir, 'build.yml'), 'utf8').replace(`${TOKEN}-wrong`, TOKEN),
      );
    }
  });

  test('the built image: history, config, labels and layers hold no secret', () => {
    const image = (rig.release().build.repositories[0]?.['service'] as { dockerImage: string }).dockerImage;
    leaks('docker history', execFileSync('docker', ['history', '--no-trunc', image], { encoding: 'utf8' }));
    leaks('docker inspect', execFileSync('docker', ['inspect', image], { encoding: 'utf8' }));
    // `docker save` writes uncompressed layer tars: a plain byte search covers every file.
    const saved = execFileSync('docker', ['save', image], { maxBuffer: 256 * 1024 * 1024 });
    assert.ok(saved.includes(Buffer.from('built\n')), 'the layer search sees layer contents');
    leaks('docker save', saved);
  });
});

describe('secrets never leave the tool: an image the tool writes (heroku-buildpack)', () => {
  let registry: TestRegistry;
  let stack: TestStack;
  let rig: HerokuAppRig;
  let env: NodeJS.ProcessEnv;
  let home: string;
  const root = mkdtempSync(join(tmpdir(), 'tci-secrets-app-'));

  before(async () => {
    registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
    stack = makeTestStack(24, 'secrets');
    rig = new HerokuAppRig(root, stack, {
      prefix: `${registry.host}/secrets-app-${process.pid}/`,
      registriesYaml: `  registries:\n    "${registry.host}": {username: !env TCI_SECRET_USER, password: !env TCI_SECRET_PW}\n`,
    });
    home = join(root, 'home');
    env = { HOME: home, TCI_SECRET_USER: USER, TCI_SECRET_PW: PASSWORD };
  });
  after(async () => {
    await registry?.stop();
    stack?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  test('push, a refused credential, and every file of the base dir and layer of the image', async () => {
    const wrong = await runCliToEnd(rig.buildArgs('--push'), {
      env: { ...env, TCI_SECRET_PW: `${PASSWORD}-x` },
    });
    assert.equal(wrong.code, 1);
    leaksIn('refused registry credentials', wrong);
    assert.match(wrong.stderr, new RegExp(`registry ${registry.host} refused the credentials`));
    assert.equal(wrong.events.filter((e) => e.kind === 'image-pushed').length, 0);
    assert.equal(existsSync(rig.releasePath), false);

    const o = await runCliToEnd(rig.buildArgs('--push'), { env });
    assert.equal(o.code, 0, o.stderr);
    leaksIn('build --push', o);
    assert.equal(o.events.filter((e) => e.kind === 'image-pushed').length, 1);
    leaks('release', readFileSync(rig.releasePath));
    const files = listFiles(rig.baseDir);
    assert.ok(
      files.some((f) => f.startsWith('images/oci/blobs/')),
      files.join('\n'),
    );
    for (const file of files) {
      const data = readFileSync(join(rig.baseDir, file));
      // Layer blobs are gzip: search what they hold.
      leaks(`base dir file ${file}`, data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data);
    }
    assert.equal(existsSync(join(home, '.docker')), false, '~/.docker was created');
  });
});
