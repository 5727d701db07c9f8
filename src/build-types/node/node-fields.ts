import { secretIdsField, serviceSchema } from '../../inputs/build-schema.js';
import { compileSchema } from '../../inputs/schema-check.js';
import type { ServiceReadContext } from '../../inputs/service-types.js';
import { ENV_REFERENCE_KEY, envReferenceSchema, isEnvReference } from '../../inputs/env-reference.js';
import {
  contextField,
  isInsideRepository,
  OUTSIDE_REPOSITORY,
  repositoryFolder,
} from '../repository-path.js';

/** An `env:` value: written out, or read from the build's environment (`!env NAME`). */
export type EnvValue = string | { readonly [ENV_REFERENCE_KEY]: string };

/** A `node` service's fields as written in build.yml, checked: exactly one of `node` and `baseImage`. */
export interface NodeFields {
  /** Major version; the run image is `node:<version>`. */
  node?: string;
  baseImage?: string;
  /** The image the install and build steps run in (one with a compiler, say); default the run image. */
  buildImage?: string;
  buildScript?: string;
  /** The service's folder in the repository: '' for its root. */
  context: string;
  ignoreScripts: boolean;
  /** Environment variables of the install and build steps. */
  env: Readonly<Record<string, EnvValue>>;
  /** Ids of the build config's secrets the install and build steps may read (an npmrc, a token). */
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
  buildImage: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  buildScript: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  context: contextField,
  ignoreScripts: { type: 'boolean' },
  env: {
    type: 'object',
    // Passed as NAME=value: a name with `=`, spaces or NUL would change meaning.
    patternProperties: {
      '^[A-Za-z_][A-Za-z0-9_]*$': {
        anyOf: [{ type: 'string' }, envReferenceSchema],
        errorText: 'must be a string, or !env NAME to read it from the environment of the build',
      },
    },
    additionalProperties: false,
    unknownFieldText:
      'is not an environment variable name (letters, digits and _, not starting with a digit)',
  },
  secrets: secretIdsField,
});

export const checkNodeSchema = compileSchema(nodeSchema);

export function readNodeFields(
  service: Record<string, unknown>,
  ctx: ServiceReadContext,
): NodeFields | undefined {
  const { node, baseImage, buildImage, buildScript, context, ignoreScripts, env, secrets } = service;
  if ((node === undefined) === (baseImage === undefined)) {
    ctx.report([], 'a node service needs exactly one of "node" (a major version) or "baseImage"');
    return undefined;
  }
  if (typeof context === 'string' && !isInsideRepository(context)) {
    ctx.report(['context'], OUTSIDE_REPOSITORY);
    return undefined;
  }
  return {
    ...(node !== undefined && { node: String(node) }),
    ...(typeof baseImage === 'string' && { baseImage }),
    ...(typeof buildImage === 'string' && { buildImage }),
    ...(typeof buildScript === 'string' && { buildScript }),
    context: repositoryFolder(typeof context === 'string' ? context : ''),
    ignoreScripts: ignoreScripts === true,
    env: (env ?? {}) as Record<string, EnvValue>,
    ...(Array.isArray(secrets) && { secrets: secrets as string[] }),
  };
}

/**
 * The fields as they enter the build key: defaults filled in and `context` normalised, so
 * equal meanings give equal keys. Of an `!env` value only its name: its value, like a secret's,
 * may differ from machine to machine (a token, a proxy) and never enters the key.
 */
export function nodeKeyFields(f: NodeFields): Record<string, unknown> {
  return {
    node: f.node ?? null,
    baseImage: f.baseImage ?? null,
    buildImage: f.buildImage ?? null,
    buildScript: f.buildScript ?? null,
    context: f.context || '.',
    ignoreScripts: f.ignoreScripts,
    env: f.env,
    // Ids only, and only when named; a secret's value never enters the key.
    ...(f.secrets !== undefined && f.secrets.length > 0 ? { secrets: [...f.secrets].sort() } : {}),
  };
}

/** The environment variables `env` reads with `!env`. */
export function envNamesOf(f: NodeFields): string[] {
  return [...new Set(Object.values(f.env).flatMap((v) => (isEnvReference(v) ? [v[ENV_REFERENCE_KEY]] : [])))];
}

/** `env` with every `!env` value read from `values` (which `envNamesOf` filled). */
export function resolvedEnv(f: NodeFields, values: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(f.env).map(([k, v]) => [
      k,
      isEnvReference(v) ? (values.get(v[ENV_REFERENCE_KEY]) ?? '') : v,
    ]),
  );
}

/** The run image: `baseImage`, else `node:<node>`, then mapped through the build config's `images`. */
export function nodeBaseImage(f: NodeFields, images: Readonly<Record<string, string>>): string {
  const ref = f.baseImage ?? `node:${f.node ?? ''}`;
  return images[ref] ?? ref;
}

/** The image of the install and build steps: `buildImage` (mapped through `images`), else the run image. */
export function nodeBuildImage(f: NodeFields, images: Readonly<Record<string, string>>): string {
  return f.buildImage !== undefined ? (images[f.buildImage] ?? f.buildImage) : nodeBaseImage(f, images);
}
