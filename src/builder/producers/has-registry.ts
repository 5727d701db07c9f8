import type { ImageRef } from '../../inputs/types.js';
import { parseImageRef } from '../registry/parse-image-ref.js';

/** An unprefixed name (`hello:SVC-…`) means Docker Hub, which a local-only build never asks. */
export function hasRegistry(tag: ImageRef): boolean {
  const first = tag.split('/')[0] ?? '';
  return (
    tag.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost') &&
    parseImageRef(tag).registry !== 'docker.io'
  );
}
