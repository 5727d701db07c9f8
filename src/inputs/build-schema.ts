import type { SchemaObject } from 'ajv';
import type { BuildType } from './types.js';

/**
 * JSON Schemas of the `build` section (docs/reference/cluster-spec.md). The shape of each repository entry is
 * checked here; the service fields are checked by a second schema chosen by build type, so a
 * typo in a docker service reads "unknown field for build type docker" instead of a wall of
 * `oneOf` failures. Cross-field rules (unique names, sources, kind vs service) live in
 * read-repositories.ts.
 */

const NAME_TEXT =
  'must be lowercase letters, digits, ".", "_" or "-", start and end with a letter or digit, ' +
  'and not repeat separators (it becomes part of an image name)';

export const buildSectionSchema: SchemaObject = {
  type: 'object',
  required: ['repositories'],
  additionalProperties: false,
  properties: {
    repositories: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'kind', 'source'],
        additionalProperties: false,
        properties: {
          // Docker's rule for one component of a repository name: the name becomes part of an
          // image name, so anything looser would fail only when the image is tagged.
          name: { type: 'string', pattern: '^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$', errorText: NAME_TEXT },
          kind: { enum: ['service', 'other'] },
          source: { type: 'string' },
          docs: {},
          service: { type: 'object' },
          // written by build into a release; accepted so that a release is a spec
          exactSource: { type: 'string' },
        },
      },
    },
  },
};

/** Accepted in every service: the old spelling of buildType, and what a release adds. */
const commonServiceFields = {
  buildType: {},
  buildtype: {},
  dockerImage: { type: 'string' },
  buildKey: { type: 'string' },
  // written into a release built on several engines without --push: where the image is
  engine: { type: 'string' },
  reproducible: { type: 'boolean' },
  imageDigest: { type: 'string' },
};

const serviceSchema = (
  buildType: BuildType,
  required: string[],
  fields: Record<string, unknown>,
): SchemaObject => ({
  type: 'object',
  required,
  additionalProperties: false,
  unknownFieldText: `unknown field for build type "${buildType}"`,
  properties: { ...commonServiceFields, ...fields },
});

export const serviceSchemas: Record<BuildType, SchemaObject> = {
  docker: serviceSchema('docker', [], {
    context: { type: 'string', minLength: 1, errorText: 'must not be empty' },
    dockerfile: { type: 'string', minLength: 1, errorText: 'must not be empty' },
    buildArgs: {
      type: 'object',
      // Docker passes build arguments as NAME=value: a name with `=`, spaces or NUL would change meaning.
      patternProperties: { '^[A-Za-z_][A-Za-z0-9_]*$': { type: 'string' } },
      additionalProperties: false,
      unknownFieldText: 'is not a build argument name (letters, digits and _, not starting with a digit)',
    },
    target: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  }),
  'heroku-buildpack': serviceSchema('heroku-buildpack', ['buildpack', 'stack'], {
    buildpack: { type: 'string' },
    stack: {
      type: 'string',
      pattern: '^heroku-[0-9]+$',
      errorText: 'must be "heroku-<N>", e.g. "heroku-16"',
    },
  }),
  node: serviceSchema('node', [], {
    node: {
      type: ['integer', 'string'],
      minimum: 1,
      pattern: '^[1-9][0-9]*$',
      errorText: 'must be a Node.js major version, e.g. 20',
    },
    baseImage: { type: 'string', minLength: 1, errorText: 'must not be empty' },
    buildScript: { type: 'string', minLength: 1, errorText: 'must not be empty' },
  }),
};
