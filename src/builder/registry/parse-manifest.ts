import { UserError } from '../../core/user-error.js';
import { MEDIA_TYPES, type OciDescriptor, type OciIndex, type OciManifest } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { SHA256_DIGEST } from './verify-blob-stream.js';

/**
 * Every manifest type the tool understands, for `Accept`: without the OCI and Docker v2 types a
 * registry may convert a manifest to the old schema 1, whose digest is not the pushed one.
 */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);

export type ParsedManifest = { kind: 'index'; index: OciIndex } | { kind: 'manifest'; manifest: OciManifest };

type Json = Record<string, unknown>;

/**
 * A manifest or index as a registry sent it (OCI or Docker v2), checked for the fields the tool
 * uses. The media type is the body's own, else the Content-Type's. `what` names it in errors.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  const bad = (why: string) =>
    new UserError({ message: `${what}: the registry sent a manifest that ${why}` });
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('is not JSON');
  }
  if (!isObject(json)) throw bad('is not a JSON object');
  if (json['schemaVersion'] === 1) {
    throw new UserError({
      message: `${what} is in the old Docker schema 1 format, which is not supported`,
      hint: 'push the image again with a current Docker or image tool',
    });
  }
  if (json['schemaVersion'] !== 2) throw bad('has no "schemaVersion": 2');
  const mediaType =
    typeof json['mediaType'] === 'string' ? json['mediaType'] : (contentType ?? '').split(';')[0]!.trim();
  const isIndex = INDEX_TYPES.has(mediaType) || (!IMAGE_TYPES.has(mediaType) && 'manifests' in json);
  if (isIndex) {
    const list = json['manifests'];
    if (!Array.isArray(list)) throw bad('has no "manifests" list');
    const manifests = list.map((d, i) => descriptor(d, `manifests[${i}]`, bad));
    return { kind: 'index', index: { ...json, schemaVersion: 2, mediaType, manifests } };
  }
  if (!IMAGE_TYPES.has(mediaType) && !('config' in json))
    throw bad(`has media type "${mediaType}", which is not an image`);
  const layers = json['layers'];
  if (!Array.isArray(layers)) throw bad('has no "layers" list');
  return {
    kind: 'manifest',
    manifest: {
      ...json,
      schemaVersion: 2,
      mediaType,
      config: descriptor(json['config'], 'config', bad),
      layers: layers.map((d, i) => descriptor(d, `layers[${i}]`, bad)),
    },
  };
}

function descriptor(value: unknown, path: string, bad: (why: string) => UserError): OciDescriptor {
  if (!isObject(value)) throw bad(`has no descriptor at ${path}`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string') throw bad(`has no ${path}.mediaType`);
  if (typeof digest !== 'string' || !SHA256_DIGEST.test(digest))
    throw bad(`has no sha256 digest at ${path}.digest (other algorithms are not supported)`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw bad(`has no size at ${path}.size`);
  return { ...value, mediaType, digest: digest as Digest, size };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
