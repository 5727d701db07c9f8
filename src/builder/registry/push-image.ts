import { createHash } from 'node:crypto';
import { InterruptedError, UserError } from '../../core/user-error.js';
import type { BlobSource } from '../../inputs/oci-types.js';
import type { Digest, ImageRef, RegistryCredentials } from '../../inputs/types.js';
import { parseImageRef } from './parse-image-ref.js';
import { unexpectedAnswer } from './registry-errors.js';
import { RegistrySession } from './registry-session.js';
import { DEFAULT_CHUNK_BYTES, uploadBlob } from './upload-blob.js';
import { SHA256_DIGEST } from './verify-blob-stream.js';

export interface PushImageOptions {
  ref: ImageRef;
  manifest: { mediaType: string; bytes: Buffer };
  /**
   * Every blob the manifest names (config and layers). `mountFrom` is an image reference or
   * name (`registry.example.com/mirror/node`, a tag or digest is ignored) of a repository that
   * already holds the blob: on the same registry it is mounted from there instead of uploaded.
   */
  blobs: Array<BlobSource & { mountFrom?: string }>;
  auth: RegistryCredentials | undefined;
  signal?: AbortSignal;
  /** Progress: `blob sha256:ab12cd34ef56… exists / mounted from … / uploaded (3.1 MB)`. */
  onLine?: (line: string) => void;
  /** Blobs larger than this go up in chunks of this size (default 64 MiB; see upload-blob.ts). */
  chunkBytes?: number;
  /** Retry policy for every request and upload (defaults: 3 retries, 0.25 s doubling). */
  retries?: number;
  backoffMs?: number;
}

/** Blobs uploaded at once: enough to hide round trips, few enough not to swamp a link. */
const PARALLEL_BLOBS = 3;

/**
 * Pushes an image over the distribution API, no Docker daemon involved: each blob that the
 * repository lacks is mounted or uploaded (upload-blob.ts), then the manifest is PUT under the
 * reference's tag (or digest) with its media type. Resolves to the manifest's digest only after
 * the registry stored the manifest and confirmed that digest; on any failure or interruption the
 * tag is never written, so nothing half-pushed is ever reported as pushed.
 *
 * Hand-written: the npm clients for the distribution API only pull (or speak schema 1), and
 * none streams and verifies blobs, mounts across repositories or uploads in chunks.
 */
export async function pushImage(opts: PushImageOptions): Promise<Digest> {
  const parts = parseImageRef(opts.ref);
  const blobs = checkInput(opts);
  const digest = `sha256:${createHash('sha256').update(opts.manifest.bytes).digest('hex')}` as Digest;
  if (parts.digest !== undefined && parts.digest !== digest)
    throw new UserError({ message: `pushing ${opts.ref}: the manifest's digest is ${digest}` });
  const mounts = new Map<string, string | undefined>();
  for (const b of blobs) mounts.set(b.digest, mountSource(b.mountFrom, parts));
  const sources = [...new Set([...mounts.values()].filter((r) => r !== undefined))];
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const session = new RegistrySession(
    parts.registry,
    parts.repository,
    opts.auth,
    [`repository:${parts.repository}:pull,push`, ...sources.map((r) => `repository:${r}:pull`)],
    {
      signal,
      ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
      ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
      onRetry: (failure) => opts.onLine?.(`${failure}; trying again`),
    },
  );
  try {
    await session.authenticate();
    await inParallel(blobs, stop, async (blob) => {
      const how = await uploadBlob(
        session,
        blob,
        mounts.get(blob.digest),
        opts.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      );
      opts.onLine?.(`blob ${blob.digest.slice(0, 19)}… ${how}`);
    });
    const res = await session.send({
      method: 'PUT',
      url: session.url(`manifests/${parts.digest ?? parts.tag ?? 'latest'}`),
      headers: { 'Content-Type': opts.manifest.mediaType },
      body: opts.manifest.bytes,
    });
    if (res.status !== 201 && res.status !== 200)
      throw unexpectedAnswer(parts.registry, res, `the manifest of ${opts.ref}`);
    const stored = res.headers['docker-content-digest'];
    if (typeof stored === 'string' && stored !== digest)
      throw new UserError({
        message: `registry ${parts.registry} stored the manifest of ${opts.ref} as ${stored}, not ${digest}`,
      });
    return digest;
  } catch (e) {
    if (opts.signal?.aborted) throw new InterruptedError('SIGINT');
    throw e;
  }
}

/** The blobs, once each, after checking what the caller gave. */
function checkInput(opts: PushImageOptions): PushImageOptions['blobs'] {
  const where = `pushing ${opts.ref}`;
  if (opts.manifest.mediaType === '')
    throw new UserError({ message: `${where}: the manifest has no media type` });
  const byDigest = new Map<string, PushImageOptions['blobs'][number]>();
  for (const b of opts.blobs) {
    if (!SHA256_DIGEST.test(b.digest))
      throw new UserError({ message: `${where}: blob digest "${b.digest}" is not sha256:<64 hex>` });
    if (!Number.isSafeInteger(b.size) || b.size < 0)
      throw new UserError({ message: `${where}: blob ${b.digest} has no valid size` });
    if (!byDigest.has(b.digest)) byDigest.set(b.digest, b);
  }
  return [...byDigest.values()];
}

/** The repository to mount from, when `mountFrom` is another repository of the target registry. */
function mountSource(mountFrom: string | undefined, target: { registry: string; repository: string }) {
  if (mountFrom === undefined) return undefined;
  const from = parseImageRef(mountFrom);
  return from.registry === target.registry && from.repository !== target.repository
    ? from.repository
    : undefined;
}

/** `work` on every item, a few at a time; the first failure stops the rest and is thrown. */
async function inParallel<T>(
  items: T[],
  stop: AbortController,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_BLOBS, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
