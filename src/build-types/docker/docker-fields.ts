import { secretIdsField, serviceSchema } from '../../inputs/build-schema.js';
import { compileSchema } from '../../inputs/schema-check.js';
import type { ServiceReadContext } from '../../inputs/service-types.js';
import type { DockerBuilder } from '../../inputs/types.js';
import {
  contextField,
  isInsideRepository,
  normalisePath,
  OUTSIDE_REPOSITORY,
  repositoryFolder,
} from '../repository-path.js';

/** A `docker` service's fields as written in build.yml, checked. */
export interface DockerFields {
  context?: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Ids of the build config's secrets the Dockerfile mounts (`RUN --mount=type=secret,id=…`). */
  secrets?: string[];
  /** Default: the build config's `docker.builder`, else BuildKit. */
  builder?: DockerBuilder;
}

/** The schema part of the `docker` build type. */
export const dockerSchema = serviceSchema('docker', [], {
  context: contextField,
  dockerfile: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  buildArgs: {
    type: 'object',
    // Docker passes build arguments as NAME=value: a name with `=`, spaces or NUL would change meaning.
    patternProperties: { '^[A-Za-z_][A-Za-z0-9_]*$': { type: 'string' } },
    additionalProperties: false,
    unknownFieldText: 'is not a build argument name (letters, digits and _, not starting with a digit)',
  },
  target: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  secrets: secretIdsField,
  builder: { enum: ['buildkit', 'legacy'], errorText: 'must be "buildkit" or "legacy"' },
});

export const checkDockerSchema = compileSchema(dockerSchema);

/** The checked fields, with the paths that would leave the repository (or the context) refused. */
export function readDockerFields(service: Record<string, unknown>, ctx: ServiceReadContext): DockerFields {
  for (const field of ['context', 'dockerfile'] as const) {
    const value = service[field];
    if (typeof value === 'string' && !isInsideRepository(value)) {
      ctx.report([field], OUTSIDE_REPOSITORY);
    }
  }
  if (typeof service['dockerfile'] === 'string' && repositoryFolder(service['dockerfile']) === '') {
    ctx.report(['dockerfile'], 'must name a file inside the context');
  }
  if (service['builder'] === 'legacy' && Array.isArray(service['secrets']) && service['secrets'].length > 0) {
    ctx.report(
      ['secrets'],
      LEGACY_SECRETS,
      'remove builder: legacy (BuildKit is the default), or the secrets',
    );
  }
  const fields: DockerFields = {};
  for (const k of ['context', 'dockerfile', 'buildArgs', 'target', 'secrets', 'builder'] as const) {
    if (service[k] !== undefined) Object.assign(fields, { [k]: service[k] });
  }
  return fields;
}

/** Why a service built with the legacy builder cannot name secrets. */
export const LEGACY_SECRETS =
  'the legacy builder cannot mount build secrets (RUN --mount=type=secret needs BuildKit)';

/**
 * The fields as they enter the build key, with defaults filled in and paths normalised, so
 * that `context: ./app/` and `context: app`, or an omitted `dockerfile` and `dockerfile:
 * Dockerfile`, give the same key. The builder is the one the build uses (the service's, else
 * the build config's): the two builders make different images of one Dockerfile.
 */
export function dockerKeyFields(f: DockerFields, builder: DockerBuilder): Record<string, unknown> {
  return {
    builder,
    context: normalisePath(f.context),
    dockerfile: normalisePath(f.dockerfile ?? 'Dockerfile'),
    buildArgs: f.buildArgs ?? {},
    target: f.target ?? null,
    // Ids only, and only when named, so services without secrets keep their keys; a secret's
    // value never enters the key (a new value does not rebuild).
    ...(f.secrets !== undefined && f.secrets.length > 0 ? { secrets: [...f.secrets].sort() } : {}),
  };
}

/** `context` as a folder of the repository: '' for its root. */
export function contextOf(f: DockerFields): string {
  return repositoryFolder(f.context ?? '');
}

/** `dockerfile` as a path inside the context. */
export function dockerfileOf(f: DockerFields): string {
  return repositoryFolder(f.dockerfile ?? 'Dockerfile');
}
