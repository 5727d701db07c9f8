import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { verifyBlobStream } from '../../../../src/builder/registry/verify-blob-stream.js';

const bytes = Buffer.from('the bytes of a blob');
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const mismatch = (detail: string) => new Error(`mismatch: ${detail}`);

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('bytes that match pass through unchanged', async () => {
  const source = Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]);
  assert.deepEqual(await read(verifyBlobStream(source, { digest, size: bytes.length }, mismatch)), bytes);
});

test('too many, too few or other bytes fail the stream instead of ending it', async () => {
  const longer = Buffer.concat([bytes, Buffer.from('!')]);
  await assert.rejects(
    () => read(verifyBlobStream(Readable.from([longer]), { digest, size: bytes.length }, mismatch)),
    {
      message: `mismatch: it is longer than the ${bytes.length} bytes its descriptor gives`,
    },
  );
  await assert.rejects(
    () =>
      read(verifyBlobStream(Readable.from([bytes.subarray(1)]), { digest, size: bytes.length }, mismatch)),
    { message: `mismatch: it has ${bytes.length - 1} bytes, not ${bytes.length}` },
  );
  const other = Buffer.from(bytes).fill(0x41, 0, 1);
  const otherDigest = `sha256:${createHash('sha256').update(other).digest('hex')}`;
  await assert.rejects(
    () => read(verifyBlobStream(Readable.from([other]), { digest, size: bytes.length }, mismatch)),
    {
      message: `mismatch: its bytes hash to ${otherDigest}`,
    },
  );
});

test('an error of the source reaches the consumer as the caller words it, and destroying the result closes the source', async () => {
  const failing = new Readable({
    read() {
      this.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    },
  });
  await assert.rejects(
    () =>
      read(
        verifyBlobStream(
          failing,
          { digest, size: bytes.length },
          mismatch,
          (e) => new Error(`lost: ${(e as NodeJS.ErrnoException).code}`),
        ),
      ),
    { message: 'lost: ECONNRESET' },
  );
  const idle = new Readable({ read() {} });
  verifyBlobStream(idle, { digest, size: bytes.length }, mismatch).destroy();
  await new Promise((r) => setImmediate(r));
  assert.equal(idle.destroyed, true);
});
