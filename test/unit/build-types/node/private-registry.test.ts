import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatePackageSet } from '../../../helpers/generated-packages.js';
import { runPackageManager } from '../../../helpers/node-project-repo.js';
import { PRIVATE_SCOPE, startNpmRegistry, type NpmRegistry } from '../../../helpers/npm-registry.js';
import { tempDir } from '../../../helpers/temp-dir.js';

let registry: NpmRegistry;
let token: string;
let dir: string;

before(async () => {
  registry = await startNpmRegistry();
  token = await registry.addUser('ci', 'secret-password');
  await registry.publish(
    generatePackageSet({ count: 2, filesPerPackage: 2, prefix: `${PRIVATE_SCOPE}/lib-` }),
    token,
  );
  dir = await tempDir('tci-private-registry-');
});
after(async () => await registry.stop());

/** A project depending on the private package, with `npmrc` as the user's npmrc (a build secret). */
function install(name: string, npmrc: string): void {
  const project = join(dir, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', dependencies: { [`${PRIVATE_SCOPE}/lib-0000`]: '^1.0.0' } }),
  );
  writeFileSync(join(dir, `${name}.npmrc`), npmrc);
  runPackageManager(
    'npm',
    project,
    ['install', '--no-audit', '--no-fund', '--ignore-scripts'],
    join(dir, `cache-${name}`),
    {
      NPM_CONFIG_USERCONFIG: join(dir, `${name}.npmrc`),
    },
  );
}

describe('the test registry with a private scope', () => {
  it('serves it to an npmrc holding a user token', () => {
    install(
      'with-token',
      `${PRIVATE_SCOPE}:registry=${registry.url}\n${registry.nerfDart}:_authToken=${token}\n`,
    );
  });

  it('refuses it without a token, as a private registry does', () => {
    assert.throws(
      () => install('without-token', `${PRIVATE_SCOPE}:registry=${registry.url}\n`),
      /npm error code E401/,
    );
  });

  it('refuses a wrong token', () => {
    assert.throws(
      () =>
        install(
          'wrong-token',
          `${PRIVATE_SCOPE}:registry=${registry.url}\n${registry.nerfDart}:_authToken=nope\n`,
        ),
      /npm error code E401/,
    );
  });
});
