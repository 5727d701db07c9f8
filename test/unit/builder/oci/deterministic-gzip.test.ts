import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
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

async function gzip(chunks: Buffer[]): Promise<Buffer> {
  return await buffer(Readable.from(chunks).pipe(deterministicGzip()));
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
    // every image digest the tool makes, and must come with a new step version.
    const gz = await gzip(input());
    assert.equal(
      createHash('sha256').update(gz).digest('hex'),
      'e6d227b0a1e4be7bf5a06fae1609ed0a2691948c3fc55e1aac50bf2efd34e967',
    );
  });
});
