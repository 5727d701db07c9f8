import { secretIdsField, serviceSchema } from '../../inputs/build-schema.js';
import { compileSchema } from '../../inputs/schema-check.js';
import type { ServiceReadContext } from '../../inputs/service-types.js';

/** A `node` service's fields as written in build.yml, checked: exactly one of `node` and `baseImage`. */
export interface NodeFields {
  /** Major version; the base image is `node:<version>`. */
  node?: string;
  baseImage?: string;
  buildScript?: string;
  /** Ids of the build config's secrets the install may read (an npmrc, a token). */
  secrets?: string[];
}

/** The schema part of the `node` build type. */
export const nodeSchema = serviceSchema('node', [], {
  node: {
    type: ['integer', 'string'],
    minimum: 1,
    pattern: '^[1-9][0-9]*$',
    errorText: 'must be a Node.js major version, e.g. 20',
  },
  baseImage: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  buildScript: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  secrets: secretIdsField,
});

export const checkNodeSchema = compileSchema(nodeSchema);

export function readNodeFields(
  service: Record<string, unknown>,
  ctx: ServiceReadContext,
): NodeFields | undefined {
  const { node, baseImage, buildScript, secrets } = service;
  if ((node === undefined) === (baseImage === undefined)) {
    ctx.report([], 'a node service needs exactly one of "node" (a major version) or "baseImage"');
    return undefined;
  }
  return {
    ...(node !== undefined && { node: String(node) }),
    ...(typeof baseImage === 'string' && { baseImage }),
    ...(typeof buildScript === 'string' && { buildScript }),
    ...(Array.isArray(secrets) && { secrets: secrets as string[] }),
  };
}

/** The fields as they enter the build key. */
export function nodeKeyFields(f: NodeFields): Record<string, unknown> {
  return {
    node: f.node ?? null,
    baseImage: f.baseImage ?? null,
    buildScript: f.buildScript ?? null,
    // Ids only, and only when named; a secret's value never enters the key.
    ...(f.secrets !== undefined && f.secrets.length > 0 ? { secrets: [...f.secrets].sort() } : {}),
  };
}

/** `baseImage`, else `node:<node>`, then mapped through the build config's `images`. */
export function nodeBaseImage(f: NodeFields, images: Readonly<Record<string, string>>): string {
  const ref = f.baseImage ?? `node:${f.node ?? ''}`;
  return images[ref] ?? ref;
}
