import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { GitRepo } from '../helpers/git-repo.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const PASSWORD = `pw-${process.pid}-Zq9xK3`;
let registry: TestRegistry;
let dir: string;

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true })
    .map((f) => join(root, String(f)))
    .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile() === true);
}

before(async () => {
  registry = await startRegistry({ auth: { username: 'ci', password: PASSWORD } });
  dir = await tempDir();
  const base = ensureBusyboxImage();
  const repo = GitRepo.create(join(dir, 'repos/app'), { Dockerfile: `FROM ${base}\nRUN echo ok > /ok\n` });
  mkdirSync(join(dir, 'spec'));
  writeFileSync(
    join(dir, 'spec/build.yml'),
    `repositories:\n  - {name: app, kind: service, source: "${repo.url('main')}", service: {buildType: docker}}\n`,
  );
  writeFileSync(join(dir, 'spec/deploy.yml'), 'resources: []\n');
  writeFileSync(
    join(dir, 'build-config.yml'),
    [
      'docker:',
      `  repositoryPrefix: ${registry.host}/auth-${process.pid}/`,
      '  registries:',
      `    "${registry.host}": {username: ci, password: !env TCI_TEST_REGISTRY_PASSWORD}`,
    ].join('\n') + '\n',
  );
});
after(async () => {
  await registry.stop();
  execFileSync(
    'sh',
    ['-c', `docker images -q '${registry.host}/auth-${process.pid}/*' | xargs -r docker rmi -f`],
    {
      stdio: 'ignore',
    },
  );
});

test('push to a registry that requires auth uses the build config, and the password is written nowhere', async () => {
  const home = join(dir, 'home');
  mkdirSync(home);
  const res = await runCli(
    [
      'build',
      '--push',
      '--log-format',
      'json',
      '--base-dir',
      join(dir, 'base'),
      join(dir, 'spec'),
      join(dir, 'release.json'),
    ],
    { cwd: dir, env: { TCI_TEST_REGISTRY_PASSWORD: PASSWORD, HOME: home } },
  );
  assert.equal(res.code, 0, res.stderr);
  const release = readFileSync(join(dir, 'release.json'), 'utf8');
  assert.match(release, new RegExp(`auth-${process.pid}/app@sha256:[0-9a-f]{64}`));
  for (const f of [join(dir, 'release.json'), ...filesUnder(join(dir, 'base')), ...filesUnder(home)]) {
    assert.ok(!readFileSync(f, 'latin1').includes(PASSWORD), `password found in ${f}`);
  }
  assert.ok(!res.stdout.includes(PASSWORD) && !res.stderr.includes(PASSWORD), 'password in output');
  assert.equal(existsSync(join(home, '.docker')), false, 'no Docker config written');
});

test('a wrong password is refused with a message naming the registry, not the password', async () => {
  const res = await runCli(
    ['build', '--push', '--base-dir', join(dir, 'base2'), join(dir, 'spec'), join(dir, 'release2.json')],
    { cwd: dir, env: { TCI_TEST_REGISTRY_PASSWORD: 'wrong-secret-1234' } },
  );
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(registry.host.replace(/\./g, '\\.')));
  assert.ok(!res.stderr.includes('wrong-secret-1234'));
  assert.equal(existsSync(join(dir, 'release2.json')), false);
});
