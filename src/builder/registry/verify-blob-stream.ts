import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

/** The only digest algorithm the tool reads and writes. */
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * `source` checked against its descriptor while it streams: more bytes than `size` fail at
 * once, and at the end the count and the sha256 must match, else the stream fails with
 * `mismatch(detail)` instead of ending, so no consumer takes damaged bytes for a whole blob.
 * `sourceError` turns an error of the source into the one the consumer sees. Destroying the
 * result destroys the source.
 */
export function verifyBlobStream(
  source: Readable,
  expected: { digest: string; size: number },
  mismatch: (detail: string) => Error,
  sourceError: (e: unknown) => unknown = (e) => e,
): Readable {
  const hash = createHash('sha256');
  let seen = 0;
  const verified = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > expected.size) {
        done(mismatch(`it is longer than the ${expected.size} bytes its descriptor gives`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (seen !== expected.size) {
        done(mismatch(`it has ${seen} bytes, not ${expected.size}`));
        return;
      }
      const got = `sha256:${hash.digest('hex')}`;
      done(got === expected.digest ? null : mismatch(`its bytes hash to ${got}`));
    },
  });
  source.on('error', (e) => verified.destroy(sourceError(e) as Error));
  verified.on('close', () => source.destroy());
  return source.pipe(verified);
}
