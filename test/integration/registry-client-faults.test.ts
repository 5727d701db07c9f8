import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { InterruptedError, UserError } from '../../src/core/user-error.js';
import { fetchImage } from '../../src/builder/registry/fetch-image.js';
import { headManifest } from '../../src/builder/registry/head-manifest.js';
import type { ImageRef } from '../../src/inputs/types.js';
import { useProxiedRegistry } from '../helpers/fault-proxy.js';
import { makeTestImage, pushTestImage, readAll, type TestImage } from '../helpers/oci-test-image.js';

/**
 * Faults during a daemonless push, injected by a proxy in front of a real registry (its request
 * log shows what the client did). Every push that fails must leave no tag behind.
 */
const ns = `tci-rf-${process.pid}`;
const rig = useProxiedRegistry();
let n = 0;

const isUpload = (method: string) => (q: { method?: string; url?: string }) =>
  q.method === method && (q.url ?? '').includes('/blobs/uploads/');

/** A fresh repository and image, so every blob really has to go up. */
async function fresh(): Promise<{ ref: ImageRef; repo: string; image: TestImage }> {
  n += 1;
  const repo = `${ns}/app${n}`;
  return {
    ref: `${rig.proxy.host}/${repo}:v1` as ImageRef,
    repo,
    image: await makeTestImage(`fault ${ns} ${n}\n`),
  };
}

const push = pushTestImage;

/** The image in the registry is whole: every layer streams and matches its digest. */
async function assertPulls(ref: ImageRef, image: TestImage): Promise<void> {
  const fetched = await fetchImage(ref, undefined);
  assert.equal(fetched?.manifestDigest, image.digest);
  for (const layer of fetched.layers) assert.equal((await readAll(await layer.open())).length, layer.size);
}

async function assertNoTag(ref: ImageRef): Promise<void> {
  assert.equal(await headManifest(ref, undefined), undefined);
  assert.ok(!rig.proxy.requests.some((r) => /^PUT .*\/manifests\//.test(r)), 'a manifest was put');
}

test('a 5xx answer to a blob upload: the upload starts over and the push succeeds', async () => {
  const { ref, image } = await fresh();
  rig.proxy.inject({ kind: 'status', status: 500 }, { times: 1, match: isUpload('PUT') });
  const { lines } = await push(ref, image, { backoffMs: 5 });
  assert.ok(lines.includes(`registry ${rig.proxy.host} answered HTTP 500; trying again`), lines.join('\n'));
  const posts = rig.proxy.requests.filter((r) => r.startsWith('POST'));
  assert.equal(posts.length, image.blobs.length + 1, 'one upload was started twice');
  assert.equal(
    rig.proxy.requests.filter((r) => r.startsWith('DELETE')).length,
    1,
    'the failed upload was cancelled',
  );
  await assertPulls(ref, image);
});

test('5xx on every upload: an error naming the registry after the retries, and no tag', async () => {
  const { ref, image } = await fresh();
  rig.proxy.inject({ kind: 'status', status: 503 }, { match: isUpload('PUT') });
  await assert.rejects(() => push(ref, image, { backoffMs: 5 }), {
    name: 'UserError',
    message: `registry ${rig.proxy.host} answered HTTP 503, 4 attempts (hint: check that the registry is running and reachable from here)`,
  });
  rig.proxy.clear();
  await assertNoTag(ref);
});

test('a refused connection is retried with backoff until the registry is back', async () => {
  const { ref, image } = await fresh();
  await rig.proxy.refuse();
  // Back well within the first pause (0.25 s) of the default backoff.
  setTimeout(() => void rig.proxy.accept(), 50);
  await push(ref, image);
  await assertPulls(ref, image);
});

test('a registry that stays unreachable is named, after the retries', async () => {
  const { ref, image } = await fresh();
  await rig.proxy.refuse();
  await assert.rejects(() => push(ref, image, { backoffMs: 5 }), {
    message: `registry ${rig.proxy.host} could not be reached (ECONNREFUSED), 4 attempts (hint: check that the registry is running and reachable from here)`,
  });
});

test('a connection hung up in mid-upload: that blob starts over from its first byte', async () => {
  const { ref, image } = await fresh();
  const chunkBytes = 256 * 1024;
  let patches = 0;
  rig.proxy.inject({ kind: 'hang-up' }, { times: 1, match: (q) => isUpload('PATCH')(q) && ++patches === 2 });
  const { lines } = await push(ref, image, { chunkBytes, backoffMs: 5 });
  assert.ok(
    lines.some((l) => /could not be reached \(ECONNRESET\); trying again$/.test(l)),
    lines.join('\n'),
  );
  const largest = Math.max(...image.blobs.map((b) => b.size));
  const patchLog = rig.proxy.requests.filter((r) => r.startsWith('PATCH'));
  assert.equal(patchLog.length, 2 + Math.ceil(largest / chunkBytes), 'two chunks, then all of them again');
  const afterHangUp = rig.proxy.requests.slice(rig.proxy.requests.indexOf(patchLog[1]!) + 1);
  assert.ok(
    afterHangUp.some((r) => r.startsWith('DELETE')),
    'the broken upload was cancelled',
  );
  assert.ok(
    afterHangUp.some((r) => r.startsWith('POST')),
    'a new upload was started',
  );
  await assertPulls(ref, image);
});

test('interrupted mid-push: stops without waiting for the registry, and the tag does not exist', async () => {
  const { ref, image } = await fresh();
  rig.proxy.inject({ kind: 'delay', ms: 3000 }, { match: (q) => isUpload('PUT')(q) || isUpload('PATCH')(q) });
  const stop = new AbortController();
  const pushing = push(ref, image, { signal: stop.signal }).then(
    () => 'pushed',
    (e: unknown) => e,
  );
  while (!rig.proxy.requests.some((r) => /^(PUT|PATCH) .*\/uploads\//.test(r))) await sleep(10);
  stop.abort();
  const outcome = await Promise.race([pushing, sleep(2500).then(() => 'still waiting')]);
  assert.ok(outcome instanceof InterruptedError, String(outcome));
  rig.proxy.clear();
  await assertNoTag(ref);
});

describe('bytes that do not match their digest', () => {
  for (const chunkBytes of [undefined, 256 * 1024]) {
    test(`are refused before the registry commits them (${chunkBytes ? 'chunked' : 'one PUT'}); no tag`, async () => {
      const { ref, repo, image } = await fresh();
      const largest = image.layers.reduce((a, b) => (b.size > a.size ? b : a));
      const damaged = {
        ...largest,
        open: async () => {
          const bytes = await readAll(await largest.open());
          bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100);
          return Readable.from([bytes]);
        },
      };
      const blobs = image.blobs.map((b) => (b === largest ? damaged : b));
      await assert.rejects(
        () => push(ref, { ...image, blobs }, chunkBytes ? { chunkBytes } : {}),
        (e: unknown) => {
          assert.ok(e instanceof UserError && !(e instanceof InterruptedError));
          assert.match(
            e.message,
            new RegExp(`^blob ${largest.digest} does not match its digest: its bytes hash to sha256:`),
          );
          return true;
        },
      );
      if (chunkBytes) {
        const closing = rig.proxy.requests.filter((r) =>
          r.includes(`digest=${encodeURIComponent(largest.digest)}`),
        );
        assert.deepEqual(closing, [], 'the closing PUT was never sent');
      }
      const res = await fetch(`http://${rig.registry.host}/v2/${repo}/blobs/${largest.digest}`, {
        method: 'HEAD',
      });
      assert.equal(res.status, 404, 'the registry does not have the blob');
      await assertNoTag(ref);
    });
  }
});

describe('bad input', () => {
  test('a blob digest that is not sha256 is named, nothing is sent', async () => {
    const { ref, image } = await fresh();
    const blobs = [{ ...image.config, digest: 'md5:abc' as never }];
    await assert.rejects(() => push(ref, { ...image, blobs }), {
      message: `pushing ${ref}: blob digest "md5:abc" is not sha256:<64 hex>`,
    });
    assert.deepEqual(rig.proxy.requests, []);
  });

  test('a reference pinning another digest than the manifest has is refused', async () => {
    const { image } = await fresh();
    const ref = `${rig.proxy.host}/${ns}/pinned@sha256:${'0'.repeat(64)}` as ImageRef;
    await assert.rejects(() => push(ref, image), {
      message: `pushing ${ref}: the manifest's digest is ${image.digest}`,
    });
  });
});
