import type { SchemaObject } from 'ajv';

/** A build secret's id, as BuildKit's `--mount=type=secret,id=` takes it. */
export const SECRET_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
export const SECRET_ID_TEXT =
  'is not a secret id: letters, digits, ".", "_" and "-", starting with a letter or digit';

/**
 * JSON Schemas of the `build` section (docs/reference/cluster-spec.md). The shape of each repository entry is
 * checked here; the service fields are checked by a second schema, the schema part of the
 * service's build type (src/build-types/<type>/), so a typo in a docker service reads "unknown
 * field for build type docker" instead of a wall of `oneOf` failures. Cross-field rules
 * (unique names, sources, kind vs service) live in read-repositories.ts.
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

/** The schema of a service object of `buildType`: its own fields plus those every service accepts. */
export const serviceSchema = (
  buildType: string,
  required: string[],
  fields: Record<string, unknown>,
): SchemaObject => ({
  type: 'object',
  required,
  additionalProperties: false,
  unknownFieldText: `unknown field for build type "${buildType}"`,
  properties: { ...commonServiceFields, ...fields },
});

/**
 * `secrets:` in a service: the ids of the build config's secrets its build may read (contract
 * section 6). Only ids: values live in the build config.
 */
export const secretIdsField = {
  type: 'array',
  uniqueItems: true,
  items: {
    type: 'string',
    pattern: SECRET_ID_PATTERN,
    errorText: 'must be a secret id of the build config\'s secrets: letters, digits, ".", "_" and "-"',
  },
};
