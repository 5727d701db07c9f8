import { UserError } from '../../core/user-error.js';

/** An image reference taken apart the way the docker CLI does it. */
export interface ImageRefParts {
  /** Registry host as written (`registry.example.com`, `127.0.0.1:5000`), `docker.io` by default. */
  registry: string;
  /** Repository path inside the registry (`library/node`, `team/app`). */
  repository: string;
  tag?: string;
  /** `sha256:…` when the reference pins a digest. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;

/**
 * `node:20` → docker.io / library/node / 20; `127.0.0.1:5000/a/b@sha256:…` → that registry.
 * The first path component is a registry host only if it has a `.` or `:` or is `localhost`,
 * as in the docker CLI. Neither tag nor digest means `latest` to a registry.
 */
export function parseImageRef(ref: string): ImageRefParts {
  const invalid = () =>
    new UserError({
      message: `invalid image reference "${ref}"`,
      hint: 'expected [registry/]repository[:tag][@sha256:digest], lowercase',
    });
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid();
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid();
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) throw invalid();
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return {
    registry,
    repository: parts.join('/'),
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
