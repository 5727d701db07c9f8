import { createHash } from 'node:crypto';
import type { Digest, RegistryCredentials } from '../../inputs/types.js';
import { MANIFEST_ACCEPT } from './parse-manifest.js';
import { parseImageRef } from './parse-image-ref.js';
import { unexpectedAnswer } from './registry-errors.js';
import { RegistrySession, type SessionOptions } from './registry-session.js';

/**
 * The digest of the manifest `ref` names, or undefined when the registry has no such manifest.
 * Registry HTTP API v2, any registry: one HEAD (after a challenge, two), authenticated, retried
 * and refused as RegistrySession says.
 */
export async function headManifest(
  ref: string,
  auth: RegistryCredentials | undefined,
  opts: SessionOptions = {},
): Promise<Digest | undefined> {
  const parts = parseImageRef(ref);
  const session = RegistrySession.reading(parts, auth, opts);
  const url = session.url(`manifests/${parts.digest ?? parts.tag ?? 'latest'}`);
  // Without the OCI and Docker v2 types in Accept, a registry may convert the manifest to an old
  // schema, whose digest is not the one that was pushed.
  const headers = { Accept: MANIFEST_ACCEPT };
  const res = await session.send({ method: 'HEAD', url, headers });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw unexpectedAnswer(parts.registry, res, ref);
  const digest = res.headers['docker-content-digest'];
  if (typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest)) return digest as Digest;
  // Some registries omit the header on HEAD: the digest is then the hash of the manifest bytes.
  const full = await session.send({ method: 'GET', url, headers });
  if (full.status !== 200) throw unexpectedAnswer(parts.registry, full, ref);
  return `sha256:${createHash('sha256').update(full.body).digest('hex')}` as Digest;
}
