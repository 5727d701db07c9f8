import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/user-error.js';
import { buildAppService } from '../helpers/app-build.js';
import { ensureNodeImage } from '../helpers/base-images.js';
import { generatePackageSet } from '../helpers/generated-packages.js';
import { GitRepo } from '../helpers/git-repo.js';
import { fileBytes, imageBytes } from '../helpers/image-bytes.js';
import { runPackageManager } from '../helpers/node-project-repo.js';
import {
  dockerBridgeHost,
  PRIVATE_SCOPE,
  startNpmRegistry,
  type NpmRegistry,
} from '../helpers/npm-registry.js';
import { removeImages } from '../helpers/remove-images.js';
import { tempDir } from '../helpers/temp-dir.js';

// The registry listens on the host's address on Docker's bridge, which the install step's
// container reaches: the default path, no host networking.
let registry: NpmRegistry;
let token: string;
let dir: string;
let repo: GitRepo;
const prefix = `tci-test-npmrc-${process.pid}/`;

before(async () => {
  ensureNodeImage();
  registry = await startNpmRegistry(dockerBridgeHost());
  token = await registry.addUser('ci', 'secret-password');
  await registry.publish(
    generatePackageSet({ count: 2, filesPerPackage: 2, prefix: `${PRIVATE_SCOPE}/lib-` }),
    token,
  );
  dir = await tempDir('tci-node-npmrc-');
  repo = GitRepo.create(join(dir, 'app'));
  writeFileSync(
    join(repo.path, 'package.json'),
    JSON.stringify({
      name: 'app',
      version: '1.0.0',
      main: 'dist/main.js',
      scripts: { build: 'node build.js' },
      dependencies: { [`${PRIVATE_SCOPE}/lib-0000`]: '^1.0.0' },
    }),
  );
  writeFileSync(join(dir, 'user.npmrc'), npmrc());
  // The lock file is written with the token; only the lock file is committed.
  runPackageManager(
    'npm',
    repo.path,
    ['install', '--package-lock-only', '--no-audit', '--no-fund'],
    join(dir, 'cache'),
    {
      NPM_CONFIG_USERCONFIG: join(dir, 'user.npmrc'),
    },
  );
  repo.commit({
    // It prints the secret, as a careless build script may: the log must still not hold it.
    // And its umask, the image's, not the one the secret files were written with.
    'build.js':
      "console.log('umask', process.umask().toString(8)); console.log(require('fs').readFileSync('/run/secrets/npmrc', 'utf8')); require('fs').mkdirSync('dist'); require('fs').writeFileSync('dist/main.js', `console.log(${JSON.stringify(process.env.GREETING + ' ' + process.env.PLAIN)})`);\n",
  });
});
after(async () => {
  await registry.stop();
  removeImages(`${prefix}*`);
});

const npmrc = () => `${PRIVATE_SCOPE}:registry=${registry.url}\n${registry.nerfDart}:_authToken=${token}\n`;

async function build(service: string, secrets: Record<string, string>, env: NodeJS.ProcessEnv = process.env) {
  return await buildAppService({ dir: join(dir, 'build'), name: 'app', repo, service, prefix, secrets, env });
}

describe('a node service with an npmrc secret and env', () => {
  it('fails to install a private package without the secret, as npm would', async () => {
    await assert.rejects(build('{buildType: node, node: "20", buildScript: build}', {}), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /service "app": npm install failed: exit status/);
      return true;
    });
  });

  it('installs with the npmrc secret, sets env for the build, and keeps the token out of every layer and the base dir', async () => {
    const service =
      '{buildType: node, node: "20", buildScript: build, secrets: [npmrc], env: {GREETING: !env TCI_TEST_GREETING, PLAIN: world}}';
    const { image, logFile } = await build(
      service,
      { npmrc: npmrc() },
      { ...process.env, TCI_TEST_GREETING: 'hello' },
    );
    assert.match(
      readFileSync(logFile, 'utf8'),
      /^umask 22$/m,
      "the build script runs with the image's umask",
    );
    assert.equal(
      execFileSync('docker', ['run', '--rm', image, 'web'], { encoding: 'utf8' }),
      'hello world\n',
    );
    assert.equal(
      execFileSync('docker', ['run', '--rm', image, 'ls', 'node_modules/@private'], { encoding: 'utf8' }),
      'lib-0000\n',
    );
    for (const { file, bytes } of imageBytes(image, dir))
      assert.ok(!bytes.includes(token), `the token is in ${file}`);
    for (const { file, bytes } of fileBytes(join(dir, 'build', 'base')))
      assert.ok(!bytes.includes(token), `the token is in ${file}`);
  });

  it('stops before any work when a variable env reads is not set, naming the service and the variable', async () => {
    const service = '{buildType: node, node: "20", env: {TOKEN: !env TCI_TEST_UNSET_VARIABLE}}';
    await assert.rejects(build(service, {}), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(
        e.problems[0]?.message ?? '',
        /^service "app" reads the environment variable TCI_TEST_UNSET_VARIABLE \(!env TCI_TEST_UNSET_VARIABLE\), which is not set$/,
      );
      return true;
    });
  });
});
