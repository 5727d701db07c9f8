import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/core/user-error.js';
import { fetchImage } from '../../src/builder/registry/fetch-image.js';
import type { RegistryCredentials } from '../../src/inputs/types.js';
import { BlobStorageServer } from '../helpers/blob-storage-server.js';
import { useProxiedRegistry } from '../helpers/fault-proxy.js';
import { makeTestImage, pushTestImage, readAll, type TestImage } from '../helpers/oci-test-image.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/** The daemonless client against a real registry with htpasswd (Basic) auth. */
const ns = `tci-ra-${process.pid}`;
const PASSWORD = `basic-pw-${process.pid}-Xy7`;
const right: RegistryCredentials = { username: 'ci', password: PASSWORD };
let image: TestImage;

before(async () => {
  image = await makeTestImage(`basic ${ns}\n`);
});

function assertNoSecret(e: unknown): void {
  const err = e as UserError;
  const text = JSON.stringify({ m: err.message, p: err.problems, d: err.details, s: err.stack });
  assert.ok(!text.includes(PASSWORD), 'the password is in the error');
}

const pushTo = async (ref: string, auth: RegistryCredentials | undefined) =>
  (await pushTestImage(ref, image, { auth })).digest;

describe('a registry with htpasswd auth', () => {
  const rig = useProxiedRegistry({ auth: right });

  test('the credentials given push and fetch the image', async () => {
    const ref = `${rig.proxy.host}/${ns}/app:v1`;
    assert.equal(await pushTo(ref, right), image.digest);
    const fetched = await fetchImage(ref, right);
    assert.equal(fetched?.manifestDigest, image.digest);
    for (const layer of fetched.layers) assert.equal((await readAll(await layer.open())).length, layer.size);
  });

  test('a wrong password is refused at once, naming the registry and never the password', async () => {
    await assert.rejects(
      () => pushTo(`${rig.proxy.host}/${ns}/app:v2`, { username: 'ci', password: `${PASSWORD}-wrong` }),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.message,
          `registry ${rig.proxy.host} refused the credentials given for it (hint: check docker.registries["${rig.proxy.host}"] in the build config, or ~/.docker/config.json)`,
        );
        assertNoSecret(e);
        return true;
      },
    );
    // At most an unauthenticated probe and one answer to the challenge: a refusal is not retried.
    assert.ok(rig.proxy.requests.length <= 2, rig.proxy.requests.join('\n'));
    await assert.rejects(
      () => fetchImage(`${rig.proxy.host}/${ns}/app:v1`, { username: 'ci', password: 'nope' }),
      {
        message: new RegExp(`^registry ${rig.proxy.host} refused the credentials given for it`),
      },
    );
  });

  test('no credentials for a registry that wants them says where to give them', async () => {
    await assert.rejects(() => pushTo(`${rig.proxy.host}/${ns}/app:v3`, undefined), {
      message: `registry ${rig.proxy.host} requires credentials (hint: give them in the build config (docker.registries["${rig.proxy.host}"]) or ~/.docker/config.json)`,
    });
  });
});

describe('a registry that redirects blob downloads to storage on another host', () => {
  let registry: TestRegistry;
  let storage: BlobStorageServer;
  before(async () => {
    storage = await BlobStorageServer.start();
    registry = await startRegistry({ auth: right, redirectBlobsTo: storage.baseUrl });
    storage.root = registry.dataDir;
  });
  after(async () => {
    await registry.stop();
    await storage.stop();
  });

  test('the redirects are followed and the credentials are not sent to the storage host', async () => {
    const ref = `${registry.host}/${ns}/redirected:v1`;
    await pushTo(ref, right);
    const fetched = await fetchImage(ref, right);
    assert.ok(fetched);
    for (const layer of fetched.layers) assert.equal((await readAll(await layer.open())).length, layer.size);
    // A second push finds every blob (the registry answers HEAD with a redirect as well).
    const again = await pushTestImage(ref, image, { auth: right });
    assert.ok(
      again.lines.every((l) => l.endsWith(' exists')),
      again.lines.join('\n'),
    );
    const blobs = storage.requests.filter((r) => r.path.startsWith('/docker/registry/v2/blobs/sha256/'));
    assert.equal(blobs.length, fetched.layers.length + 1, 'the config and every layer came from storage');
    assert.deepEqual(
      storage.requests.map((r) => r.authorization),
      storage.requests.map(() => undefined),
    );
  });
});
