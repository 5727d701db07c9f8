import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SchemaObject } from 'ajv';
import { format, resolveConfig } from 'prettier';
import { buildConfigFileSchema } from '../src/inputs/build-config.js';
import { buildTypes } from '../src/build-types/build-types.js';
import { buildSectionSchema } from '../src/inputs/build-schema.js';
import { releaseBlockSchema } from '../src/inputs/cluster-spec.js';
import { SITE_BUILD_TYPES } from '../src/inputs/types.js';
import { DESCRIPTIONS } from './json-schema-descriptions.js';

/**
 * Writes the JSON Schemas shipped in the package (schemas/*.schema.json), for editors
 * (yaml-language-server, VS Code) and other tools. They are made from the very schemas the
 * loaders validate with (src/inputs/build-schema.ts, build-config.ts, cluster-spec.ts, and each
 * build type's schema part in src/build-types/<type>/), so they
 * cannot drift: `npm run generate:schemas` after changing one, and a unit test says when the
 * shipped files are stale. What the loaders check in code rather than by schema (a service for
 * `kind: service` only, one of `node`/`baseImage`) is added here as schema rules; what a schema
 * cannot say (unique names, the source grammar, merged registries having both fields) stays a
 * `validate` error only. Descriptions come from scripts/json-schema-descriptions.ts.
 */
export const schemasDir = fileURLToPath(new URL('../schemas/', import.meta.url));

const DRAFT = 'http://json-schema.org/draft-07/schema#';

/** Our readable-error annotations, renamed to what editors understand, or dropped. */
function forEditors(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forEditors);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'unknownFieldText') continue;
    // yaml-language-server and VS Code show `errorMessage` instead of their generic text.
    if (key === 'errorText') out['errorMessage'] = value;
    else out[key] = forEditors(value);
  }
  return out;
}

const BUILD_TYPES = buildTypes.map((t) => t.name);

/** Rules a build type checks in code when reading its fields, said here as schema for editors. */
const EXTRA_RULES: Record<string, SchemaObject> = {
  // src/build-types/node/node-fields.ts: a node service names exactly one of node and baseImage.
  node: {
    oneOf: [{ required: ['node'] }, { required: ['baseImage'] }],
    errorMessage: 'give exactly one of node and baseImage',
  },
};

function definitions(): Record<string, SchemaObject> {
  const entry = buildSectionSchema['properties'].repositories.items as SchemaObject;
  const service = (t: string, extra: SchemaObject = {}): SchemaObject => {
    const type = buildTypes.find((b) => b.name === t);
    if (type === undefined) throw new Error(`no build type ${t}`);
    const s = forEditors(type.schema) as SchemaObject;
    const {
      buildType: _t,
      buildtype: _old,
      dockerImage,
      buildKey,
      ...fields
    } = s['properties'] as Record<string, unknown>;
    // What a release adds, and the old spelling of buildType, come last in completion lists.
    const properties = { buildType: { const: t }, ...fields, dockerImage, buildKey, buildtype: { const: t } };
    return { ...s, properties, ...extra };
  };
  const isType = (t: string, field: string): SchemaObject => ({
    required: [field],
    properties: { [field]: { const: t } },
  });
  const kindIs = (kind: string): SchemaObject => ({
    required: ['kind'],
    properties: { kind: { const: kind } },
  });
  return {
    repository: {
      ...(forEditors(entry) as SchemaObject),
      properties: {
        ...(forEditors(entry['properties']) as Record<string, unknown>),
        service: { $ref: '#/definitions/service' },
      },
      // read-repositories.ts: a service is required for kind service and refused for kind other.
      allOf: [
        { if: kindIs('service'), then: { required: ['service'] } },
        { if: kindIs('other'), then: { not: { required: ['service'] } } },
      ],
    },
    service: {
      type: 'object',
      properties: { buildType: { enum: [...BUILD_TYPES, ...SITE_BUILD_TYPES] } },
      // read-repositories.ts: buildType (or its old spelling buildtype), never both.
      oneOf: [{ required: ['buildType'] }, { required: ['buildtype'] }],
      allOf: BUILD_TYPES.map((t) => ({
        if: { anyOf: [isType(t, 'buildType'), isType(t, 'buildtype')] },
        then: { $ref: `#/definitions/${t}Service` },
      })),
    },
    ...Object.fromEntries(BUILD_TYPES.map((t) => [`${t}Service`, service(t, EXTRA_RULES[t])])),
  };
}

const buildSection = (): SchemaObject => ({
  ...(forEditors(buildSectionSchema) as SchemaObject),
  properties: { repositories: { type: 'array', items: { $ref: '#/definitions/repository' } } },
});

const deployTemplate: SchemaObject = { type: 'object' };

/** Every shipped schema by file name, descriptions applied. */
export function jsonSchemas(): Record<string, SchemaObject> {
  const defs = definitions();
  const jsonSpec = (required: string[]): SchemaObject => ({
    type: 'object',
    required,
    additionalProperties: false,
    properties: {
      build: buildSection(),
      deploy: deployTemplate,
      release: forEditors(releaseBlockSchema),
    },
    definitions: defs,
  });
  const file = forEditors(buildConfigFileSchema) as SchemaObject;
  const schemas: Record<string, SchemaObject> = {
    'build.schema.json': { ...buildSection(), definitions: defs },
    'cluster-spec.schema.json': jsonSpec(['build', 'deploy']),
    'release.schema.json': jsonSpec(['build', 'deploy', 'release']),
    'build-config.schema.json': {
      // build-config.ts: the 2018 layout puts the whole config under `defaults:`.
      anyOf: [
        { $ref: '#/definitions/config' },
        {
          type: 'object',
          required: ['defaults'],
          additionalProperties: false,
          properties: { defaults: { anyOf: [{ $ref: '#/definitions/config' }, { type: 'null' }] } },
        },
      ],
      definitions: { config: file },
    },
    // deploy-inputs.ts: free-form, a mapping at the top; the deploy template decides the rest.
    'deploy-config.schema.json': { type: 'object' },
    'infra.schema.json': { type: 'object' },
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      { $schema: DRAFT, ...applyDescriptions(name, schema) },
    ]),
  );
}

/**
 * Puts each description at its place, given as a path of property names (`definitions`
 * entries and `properties` are walked, `[]` is a list's items): a description whose place
 * does not exist (a field renamed) fails the generator, and so the unit test.
 */
function applyDescriptions(name: string, schema: SchemaObject): SchemaObject {
  const out = structuredClone(schema);
  for (const [path, text] of Object.entries(DESCRIPTIONS[name] ?? {})) {
    let node: Record<string, unknown> | undefined = out;
    for (const part of path === '' ? [] : path.split('.')) {
      node = step(node, part);
      if (node === undefined) throw new Error(`${name}: no place "${path}" for a description`);
    }
    if (node === undefined) throw new Error(`${name}: no place "${path}" for a description`);
    node['description'] = text;
  }
  return out;
}

function step(node: Record<string, unknown>, part: string): Record<string, unknown> | undefined {
  const get = (o: unknown, k: string) =>
    typeof o === 'object' && o !== null
      ? ((o as Record<string, unknown>)[k] as Record<string, unknown>)
      : undefined;
  if (part === '[]') return get(node, 'items');
  if (part.startsWith('#')) return get(get(node, 'definitions'), part.slice(1));
  return get(get(node, 'properties'), part);
}

/** The files' text, formatted as the repository formats JSON. */
export async function generateJsonSchemas(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const filepath = schemasDir + name;
    out[name] = await format(JSON.stringify(schema), { ...(await resolveConfig(filepath)), filepath });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await mkdir(schemasDir, { recursive: true });
  for (const [name, text] of Object.entries(await generateJsonSchemas())) {
    await writeFile(schemasDir + name, text);
    process.stderr.write(`wrote schemas/${name}\n`);
  }
}
