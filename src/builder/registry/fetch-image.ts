import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { UserError } from '../../core/user-error.js';
import type { ImageSource, OciDescriptor, OciImageConfig, OciPlatform } from '../../inputs/oci-types.js';
import type { Digest, RegistryCredentials } from '../../inputs/types.js';
import { MANIFEST_ACCEPT, parseManifest, type ParsedManifest } from './parse-manifest.js';
import { parseImageRef } from './parse-image-ref.js';
import { unexpectedAnswer } from './registry-errors.js';
import { readRegistryResponse } from './registry-request.js';
import { RegistrySession, type SessionOptions } from './registry-session.js';
import { hostPlatform, selectPlatform } from './select-platform.js';
import { verifyBlobStream } from './verify-blob-stream.js';
import { RetryableError } from './with-retries.js';

export interface FetchImageOptions extends SessionOptions {
  /** Default: linux and this machine's architecture. */
  platform?: OciPlatform;
}

/** Configs are small JSON documents; one larger than this is not read into memory. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * The image `ref` names, read from its registry without a Docker daemon, or undefined when the
 * registry has no such manifest (404). An index (OCI index or Docker manifest list) is resolved
 * to the manifest for `platform`. The manifest and config are read now and checked against their
 * digests; each layer's `open()` streams the blob later (following redirects to storage),
 * checking its size and sha256 as it streams.
 */
export async function fetchImage(
  ref: string,
  auth: RegistryCredentials | undefined,
  opts: FetchImageOptions = {},
): Promise<ImageSource | undefined> {
  const parts = parseImageRef(ref);
  const name = `${parts.registry}/${parts.repository}`;
  const session = RegistrySession.reading(parts, auth, opts);
  let found = await getManifest(session, parts.digest ?? parts.tag ?? 'latest', ref);
  if (found === undefined) return undefined;
  if (found.parsed.kind === 'index') {
    const entry = selectPlatform(found.parsed.index, opts.platform ?? hostPlatform(), ref);
    found = await getManifest(session, entry.digest, `${name}@${entry.digest}`);
    if (found === undefined)
      throw new UserError({
        message: `${ref}: its index names ${entry.digest}, which the registry does not have`,
      });
  }
  if (found.parsed.kind !== 'manifest')
    throw new UserError({ message: `${ref}: an index inside an index is not supported` });
  const manifest = found.parsed.manifest;
  const configBytes = await readConfig(session, manifest.config, name);
  return {
    display: `${name}@${found.digest}`,
    manifestDigest: found.digest,
    configDigest: manifest.config.digest,
    config: parseConfig(configBytes, `${name}@${found.digest}`),
    configBytes,
    layers: manifest.layers.map((layer) => ({ ...layer, open: () => openBlob(session, layer, name) })),
  };
}

/** The manifest `reference` (tag or digest) names, checked against the digest it was asked by. */
async function getManifest(
  session: RegistrySession,
  reference: string,
  what: string,
): Promise<{ digest: Digest; parsed: ParsedManifest } | undefined> {
  const res = await session.send({
    method: 'GET',
    url: session.url(`manifests/${reference}`),
    headers: { Accept: MANIFEST_ACCEPT },
  });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw unexpectedAnswer(session.registry, res, what);
  const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}` as Digest;
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new UserError({
      message: `registry ${session.registry} sent a manifest for ${what} whose bytes hash to ${digest}`,
    });
  }
  const contentType = res.headers['content-type'];
  return { digest, parsed: parseManifest(res.body, contentType, what) };
}

/** A blob's bytes as a verified stream; a dropped connection is a RetryableError naming the registry. */
async function openBlob(session: RegistrySession, blob: OciDescriptor, name: string): Promise<Readable> {
  const res = await session.openBlob(blob.digest);
  if (res.statusCode !== 200) {
    const url = session.url(`blobs/${blob.digest}`);
    throw unexpectedAnswer(
      session.registry,
      await readRegistryResponse(res, url),
      `blob ${blob.digest} of ${name}`,
    );
  }
  return verifyBlobStream(
    res,
    blob,
    (detail) =>
      new UserError({
        message: `registry ${session.registry} sent blob ${blob.digest} of ${name} with the wrong bytes: ${detail}`,
        hint: 'the registry storage may be damaged; push the image again',
      }),
    (e) =>
      new RetryableError(
        session.registry,
        `could not be reached (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}) while sending blob ${blob.digest}`,
      ),
  );
}

async function readConfig(session: RegistrySession, config: OciDescriptor, name: string): Promise<Buffer> {
  if (config.size > MAX_CONFIG_BYTES)
    throw new UserError({
      message: `${name}: its config is ${config.size} bytes, more than a config should be`,
    });
  const chunks: Buffer[] = [];
  for await (const chunk of await openBlob(session, config, name)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseConfig(bytes: Buffer, what: string): OciImageConfig {
  let config: unknown;
  try {
    config = JSON.parse(bytes.toString('utf8'));
  } catch {
    config = undefined;
  }
  const c = config as Partial<OciImageConfig> | undefined;
  if (
    typeof c?.os !== 'string' ||
    typeof c.architecture !== 'string' ||
    c.rootfs?.type !== 'layers' ||
    !Array.isArray(c.rootfs.diff_ids)
  ) {
    throw new UserError({ message: `${what}: its config is not an image config (os, architecture, rootfs)` });
  }
  return c as OciImageConfig;
}
