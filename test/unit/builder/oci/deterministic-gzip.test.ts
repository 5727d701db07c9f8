import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { DeflateWorkers } from '../../../../src/builder/oci/deflate-workers.js';
import { deterministicGzip } from '../../../../src/builder/oci/deterministic-gzip.js';

/** 1 MB of text-like bytes that compress, fed in uneven chunks. */
function input(): Buffer[] {
  const text = Buffer.from(
    Array.from({ length: 20_000 }, (_, i) => `line ${i} module.exports = require('./m${i % 97}');\n`).join(
      '',
    ),
  );
  const chunks: Buffer[] = [];
  for (let i = 0, n = 1; i < text.length; i += n, n = (n * 7 + 13) % 70_000)
    chunks.push(text.subarray(i, i + n));
  return chunks;
}

async function gzip(chunks: Buffer[], threads?: number): Promise<Buffer> {
  return await buffer(
    Readable.from(chunks).pipe(deterministicGzip(threads !== undefined ? { threads } : {})),
  );
}

/** About 6 MB: several 1 MiB chunks, so the work is spread over the worker threads. */
function large(): Buffer[] {
  const parts = Array.from({ length: 6 }, (_, k) =>
    Buffer.concat(input()).map((b, i) => (i % (k + 7) === 0 ? 65 + k : b)),
  );
  return parts.map((p) => Buffer.from(p));
}

describe('deterministicGzip', () => {
  it('has a fixed header (no time, no name, OS 3) and round-trips', async () => {
    const chunks = input();
    const gz = await gzip(chunks);
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    assert.ok(gunzipSync(gz).equals(Buffer.concat(chunks)));
  });

  it('gives the same bytes however the input is split', async () => {
    const whole = Buffer.concat(input());
    assert.ok((await gzip(input())).equals(await gzip([whole])));
  });

  it('gives the bytes it gave when this test was written', async () => {
    // A layer's digest is the hash of these bytes: a library update that changes them changes
    // every image digest the tool makes, and must come with new step versions and GZIP_FORMAT
    // (src/builder/oci/gzip-format.ts). These are level 1's bytes (level 6 until 2026-12-07).
    const gz = await gzip(input());
    assert.equal(
      createHash('sha256').update(gz).digest('hex'),
      'dedb0a4ddb50c75c84d13fa81a0bf4b39db4bd425cdcc60549fe8fc26d08d19a',
    );
  });

  it('gives the same bytes for 1, 2 and 4 threads on an input of many chunks', async () => {
    const chunks = large();
    const one = await gzip(chunks, 1);
    assert.ok(gunzipSync(one).equals(Buffer.concat(chunks)), 'one gzip member that any gunzip reads');
    assert.ok((await gzip(chunks, 2)).equals(one));
    assert.ok((await gzip(chunks, 4)).equals(one));
    assert.ok((await gzip([Buffer.concat(chunks)], 3)).equals(one), 'however the input is split');
    assert.equal(
      createHash('sha256').update(one).digest('hex'),
      '4e1475cf48d88a7ec1fa15ad949a4d37bb185ce7c43c7f0e71381ded13c4b331',
      'the bytes it gave when this test was written',
    );
  });

  it('shares one pool of workers between streams at once, each getting its own bytes', async () => {
    const chunks = large();
    const alone = await gzip(chunks, 2);
    const other = chunks.map((c) => Buffer.from(c).reverse());
    const otherAlone = await gzip(other, 2);
    const [a, b] = await Promise.all([gzip(chunks, 2), gzip(other, 2)]);
    assert.ok(a.equals(alone) && b.equals(otherAlone), 'the same bytes as each stream alone');
    const pako = createRequire(import.meta.url).resolve('pako');
    const first = DeflateWorkers.lease(2, pako);
    const second = DeflateWorkers.lease(2, pako);
    assert.equal(first, second, 'one pool for both');
    await first.release();
    const job = { data: Buffer.from('still working'), dict: Buffer.alloc(0), last: true, level: 1 };
    assert.ok((await second.deflate(job)).length > 0, 'the pool outlives one release');
    await second.release();
    const third = DeflateWorkers.lease(2, pako);
    assert.notEqual(third, first, 'the last release stopped it; the next lease starts a new one');
    await third.release();
  });

  it('lets the process exit when the stream fails midway (its workers stop)', () => {
    // A child process of its own: a worker left running would keep it alive until the timeout.
    const module = new URL('../../../../src/builder/oci/deterministic-gzip.ts', import.meta.url).pathname;
    const script = join(mkdtempSync(join(tmpdir(), 'tci-gzip-')), 'fail-midway.mts');
    writeFileSync(
      script,
      [
        `import { deterministicGzip } from ${JSON.stringify(module)};`,
        'const gz = deterministicGzip({ threads: 2 });',
        'gz.on("error", (e) => console.log(e.message)).resume();',
        'gz.write(Buffer.alloc(3 * 1024 * 1024, 1), () => gz.destroy(new Error("source failed")));',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { timeout: 20_000, encoding: 'utf8' });
    rmSync(dirname(script), { recursive: true, force: true });
    assert.equal(r.stdout, 'source failed\n', r.stderr);
    assert.equal(r.signal, null, 'still running after 20 s');
    assert.equal(r.status, 0, r.stderr);
  });
});
