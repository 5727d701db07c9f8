import { Readable } from 'node:stream';
import { UserError } from '../../core/user-error.js';
import type { BlobSource } from '../../inputs/oci-types.js';
import { RefusedError, unexpectedAnswer } from './registry-errors.js';
import type { RegistryResponse } from './registry-request.js';
import type { RegistrySession } from './registry-session.js';
import { verifyBlobStream } from './verify-blob-stream.js';
import { RetryableError, withRetries } from './with-retries.js';

/**
 * Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size, then a PUT
 * with the digest. 64 MiB keeps every request under the body limits of common proxies (100 MB
 * at Cloudflare) and above the smallest chunk registries accept (5 MiB at ECR), while an
 * ordinary layer still takes a single request.
 */
export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

const OCTETS = 'application/octet-stream';

/**
 * Puts one blob into the session's repository unless it is there already: HEAD; then a
 * cross-repository mount from `mountFrom` (a repository of the same registry) when given; else
 * an upload. A failed upload (5xx, dropped connection) is cancelled and started over from its
 * first byte, with the session's retry policy. Resolves to what happened, for progress lines.
 */
export async function uploadBlob(
  session: RegistrySession,
  blob: BlobSource,
  mountFrom: string | undefined,
  chunkBytes: number,
): Promise<string> {
  const head = await session.send({ method: 'HEAD', url: session.url(`blobs/${blob.digest}`) });
  // A registry that serves blobs from storage answers HEAD with the redirect too (307).
  if (head.status === 200 || (head.status >= 300 && head.status < 400)) return 'exists';
  if (head.status !== 404) throw unexpectedAnswer(session.registry, head, `blob ${blob.digest}`);
  let started: URL | undefined;
  if (mountFrom !== undefined) {
    const url = session.url('blobs/uploads/');
    url.searchParams.set('mount', blob.digest);
    url.searchParams.set('from', mountFrom);
    try {
      const res = await session.send({ method: 'POST', url, headers: { 'Content-Length': '0' } });
      if (res.status === 201) return `mounted from ${mountFrom}`;
      // 202: the registry could not mount it and opened an upload instead, which we use.
      if (res.status !== 202) throw unexpectedAnswer(session.registry, res, `mounting blob ${blob.digest}`);
      started = uploadLocation(session, res);
    } catch (e) {
      // A token without pull on the source repository: upload the blob instead.
      if (!(e instanceof RefusedError)) throw e;
    }
  }
  await withRetries(session.registry, session.opts, async () => {
    let location = started ?? (await startUpload(session));
    started = undefined;
    try {
      if (blob.size <= chunkBytes) await putWhole(session, blob, location);
      else
        await putChunks(session, blob, chunkBytes, location, (next) => {
          location = next;
        });
    } catch (e) {
      // Best effort: the registry would also expire the abandoned upload itself.
      await session.send({ method: 'DELETE', url: location, retry: false }).catch(() => undefined);
      throw e;
    }
  });
  return `uploaded (${formatSize(blob.size)})`;
}

async function startUpload(session: RegistrySession): Promise<URL> {
  const res = await session.send({
    method: 'POST',
    url: session.url('blobs/uploads/'),
    headers: { 'Content-Length': '0' },
    retry: false,
  });
  if (res.status !== 202) throw unexpectedAnswer(session.registry, res, 'starting a blob upload');
  return uploadLocation(session, res);
}

async function putWhole(session: RegistrySession, blob: BlobSource, location: URL): Promise<void> {
  const url = withDigest(location, blob.digest);
  const res = await session.send({
    method: 'PUT',
    url,
    headers: { 'Content-Type': OCTETS, 'Content-Length': String(blob.size) },
    body: async () => verified(blob, await blob.open()),
    retry: false,
  });
  if (res.status !== 201) throw unexpectedAnswer(session.registry, res, `uploading blob ${blob.digest}`);
}

/**
 * The blob in PATCHes of `chunkBytes` from one pass over its stream (never more than one chunk
 * in flight, nothing buffered but the stream's own), then the closing PUT with the digest. The
 * digest is checked when the stream ends, before that PUT, so damaged bytes are never committed.
 */
async function putChunks(
  session: RegistrySession,
  blob: BlobSource,
  chunkBytes: number,
  first: URL,
  moved: (location: URL) => void,
): Promise<void> {
  const source = verified(blob, await blob.open());
  const reader = new ChunkReader(source[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  let location = first;
  try {
    for (let offset = 0; offset < blob.size; offset += chunkBytes) {
      const length = Math.min(chunkBytes, blob.size - offset);
      let used = false;
      const res = await session.send({
        method: 'PATCH',
        url: location,
        headers: {
          'Content-Type': OCTETS,
          'Content-Length': String(length),
          'Content-Range': `${offset}-${offset + length - 1}`,
        },
        body: () => {
          // A chunk cannot be read twice: a challenge in mid-upload starts the blob over.
          if (used)
            throw new RetryableError(session.registry, 'asked to authenticate again during an upload');
          used = true;
          return Readable.from(reader.take(length), { objectMode: false });
        },
        retry: false,
      });
      if (res.status !== 202) throw unexpectedAnswer(session.registry, res, `uploading blob ${blob.digest}`);
      location = uploadLocation(session, res);
      moved(location);
    }
    await reader.end();
  } finally {
    source.destroy();
  }
  const res = await session.send({
    method: 'PUT',
    url: withDigest(location, blob.digest),
    headers: { 'Content-Length': '0' },
    retry: false,
  });
  if (res.status !== 201) throw unexpectedAnswer(session.registry, res, `uploading blob ${blob.digest}`);
}

/** Consecutive slices of exact length from one stream. */
class ChunkReader {
  private rest: Buffer | undefined;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  async *take(length: number): AsyncGenerator<Buffer> {
    for (let left = length; left > 0;) {
      let chunk = this.rest ?? (await this.it.next()).value;
      this.rest = undefined;
      if (chunk === undefined) return; // the verifier fails the stream before this
      if (chunk.length > left) {
        this.rest = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      yield chunk;
    }
  }

  /** Reads to the end, which is where the verifier checks the digest. */
  async end(): Promise<void> {
    while (!(await this.it.next()).done);
  }
}

function verified(blob: BlobSource, source: Readable): Readable {
  return verifyBlobStream(
    source,
    blob,
    (detail) => new UserError({ message: `blob ${blob.digest} does not match its digest: ${detail}` }),
  );
}

function uploadLocation(session: RegistrySession, res: RegistryResponse): URL {
  const location = res.headers.location;
  if (location === undefined)
    throw new UserError({ message: `registry ${session.registry} started an upload but gave no Location` });
  return new URL(location, session.origin);
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

export function formatSize(bytes: number): string {
  return bytes < 1_000_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}
