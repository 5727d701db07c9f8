import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { UserError } from '../../src/core/user-error.js';
import { fetchImage } from '../../src/builder/registry/fetch-image.js';
import { headManifest } from '../../src/builder/registry/head-manifest.js';
import type { ImageRef, RegistryCredentials } from '../../src/inputs/types.js';
import { useProxiedRegistry } from '../helpers/fault-proxy.js';
import { makeTestImage, pushTestImage, readAll, type TestImage } from '../helpers/oci-test-image.js';
import { TokenServer } from '../helpers/token-server.js';

/**
 * The Bearer token flow against a real registry configured for token auth: the registry checks
 * each token's signature (a certificate made with openssl), issuer, audience, expiry and the
 * actions granted per repository. `owner` may do anything; `ci` anything but touch
 * `…/private`; `reader` may only pull.
 */
const ns = `tci-rb-${process.pid}`;
const PASSWORD = `bearer-pw-${process.pid}-Qm4`;
const ci: RegistryCredentials = { username: 'ci', password: PASSWORD };
const owner: RegistryCredentials = { username: 'owner', password: `${PASSWORD}-owner` };
const reader: RegistryCredentials = { username: 'reader', password: `${PASSWORD}-reader` };

let tokens: TokenServer;
let image: TestImage;
let lines: string[] = [];

const rig = useProxiedRegistry(async () => {
  tokens = await TokenServer.start({
    users: { ci: ci.password, owner: owner.password, reader: reader.password },
    grant: (user, repo) =>
      user === 'owner' || (user === 'ci' && !repo.endsWith('/private'))
        ? ['pull', 'push']
        : user === 'reader'
          ? ['pull']
          : [],
  });
  return { tokenAuth: tokens };
});
before(async () => {
  image = await makeTestImage(`bearer ${ns}\n`);
});
after(() => tokens.stop());
beforeEach(() => {
  tokens.requests.length = 0;
});

const ref = (repo: string) => `${rig.proxy.host}/${ns}/${repo}` as ImageRef;
async function push(repo: string, auth: RegistryCredentials, mountFrom?: string) {
  const blobs = image.blobs.map((b) => ({ ...b, ...(mountFrom !== undefined ? { mountFrom } : {}) }));
  const pushed = await pushTestImage(ref(repo), image, { auth, blobs });
  lines = pushed.lines;
  return pushed.digest;
}

test('a push asks for one pull,push token and uses it for every request', async () => {
  assert.equal(await push('base:v1', ci), image.digest);
  assert.deepEqual(tokens.requests, [
    { user: 'ci', scopes: [`repository:${ns}/base:pull,push`], status: 200 },
  ]);
  assert.ok(rig.proxy.requests.length > image.blobs.length * 2);
  assert.ok(
    lines.every((l) => l.endsWith(')')),
    lines.join('\n'),
  );
});

test('a fetch asks for a pull token; a second look at the same repository reuses it', async () => {
  const fetched = await fetchImage(ref('base:v1'), ci);
  assert.equal(fetched?.manifestDigest, image.digest);
  for (const layer of fetched.layers) assert.equal((await readAll(await layer.open())).length, layer.size);
  assert.equal(await headManifest(ref('base:v1'), ci), image.digest);
  assert.deepEqual(tokens.requests, [{ user: 'ci', scopes: [`repository:${ns}/base:pull`], status: 200 }]);
});

test('a mount asks for pull on the source repository too, and mounts', async () => {
  await push('app:v1', ci, ref('base:v1'));
  assert.deepEqual(
    tokens.requests.map((r) => r.scopes.sort()),
    [[`repository:${ns}/app:pull,push`, `repository:${ns}/base:pull`]],
  );
  assert.ok(
    lines.every((l) => l.endsWith(` mounted from ${ns}/base`)),
    lines.join('\n'),
  );
  assert.equal(
    rig.proxy.requests.filter((r) => r.startsWith('POST') && r.includes('mount=')).length,
    image.blobs.length,
  );
});

test('a mount source the token does not cover: the blobs are uploaded instead', async () => {
  await push('private:v1', owner);
  assert.equal(await push('app2:v1', ci, ref('private:v1')), image.digest);
  assert.ok(
    lines.every((l) => / uploaded \(/.test(l)),
    lines.join('\n'),
  );
  assert.equal((await fetchImage(ref('app2:v1'), ci))?.manifestDigest, image.digest);
});

test('a wrong password is refused by the token service: named registry, no password', async () => {
  await assert.rejects(
    () => push('base:v2', { username: 'ci', password: 'wrong-password' }),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(
        e.message,
        `registry ${rig.proxy.host} refused the credentials given for it (hint: check docker.registries["${rig.proxy.host}"] in the build config, or ~/.docker/config.json)`,
      );
      assert.ok(!e.message.includes('wrong-password'));
      return true;
    },
  );
  assert.equal(tokens.requests.length, 1, 'a refusal is not retried');
  assert.equal(await headManifest(ref('base:v2'), ci), undefined);
});

test('a user who may only pull is refused when pushing, and nothing is tagged', async () => {
  await assert.rejects(() => push('base:v3', reader), {
    message: new RegExp(`^registry ${rig.proxy.host} refused the credentials given for it`),
  });
  assert.equal(await headManifest(ref('base:v3'), ci), undefined);
  assert.equal((await fetchImage(ref('base:v1'), reader))?.manifestDigest, image.digest);
});

test('no credentials: the token service refuses, and the message says where to give them', async () => {
  await assert.rejects(() => fetchImage(ref('base:v1'), undefined), {
    message: `registry ${rig.proxy.host} requires credentials (hint: give them in the build config (docker.registries["${rig.proxy.host}"]) or ~/.docker/config.json)`,
  });
});
