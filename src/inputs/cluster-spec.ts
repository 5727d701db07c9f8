import { stat } from 'node:fs/promises';
import type { SchemaObject } from 'ajv';
import { dirname, join, resolve } from 'node:path';
import type { Problem } from '../core/problem.js';
import { UserError } from '../core/user-error.js';
import { readJsonFile } from './json-file.js';
import { isPlainObject } from './is-plain-object.js';
import { readRepositories } from './read-repositories.js';
import { compileSchema } from './schema-check.js';
import type { ServiceType } from './service-types.js';
import type { ClusterSpec, ReleaseInfo, ServiceSpec } from './types.js';
import { readYamlFile } from './read-yaml-input.js';
import type { YamlValueCache } from './yaml-value-cache.js';

const SPEC_HINT =
  'a spec is a directory holding build.yml and deploy.yml, or a JSON file {"build": …, "deploy": …}';

/** The `release` block that `build` adds to a spec (also shipped as part of schemas/release.schema.json). */
export const releaseBlockSchema: SchemaObject = {
  type: 'object',
  required: ['tool', 'createdAt'],
  additionalProperties: false,
  properties: {
    tool: {
      type: 'object',
      required: ['name', 'version'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, version: { type: 'string' } },
    },
    createdAt: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$',
      errorText: 'must be an ISO 8601 UTC time, e.g. 2018-06-04T12:00:00.000Z',
    },
  },
};
const checkRelease = compileSchema(releaseBlockSchema);

/**
 * Loads a cluster spec (docs/reference/cluster-spec.md): a directory with build.yml and deploy.yml, or a JSON file
 * (a release is one). Every problem in either file is collected and thrown as one UserError.
 * Site build types are returned typed as SiteService; whether they are acceptable is the caller's call.
 */
export interface LoadSpecOptions<S extends ServiceSpec> {
  /** The build types a service may have: src/build-types/build-types.ts. */
  serviceTypes: ReadonlyArray<ServiceType<S>>;
  cache?: YamlValueCache;
}

export async function loadClusterSpec<S extends ServiceSpec>(
  specPath: string,
  opts: LoadSpecOptions<S>,
): Promise<ClusterSpec<S>> {
  if (opts.cache !== undefined) {
    const hitsBefore = opts.cache.hits;
    try {
      return await loadSpec(specPath, opts.serviceTypes, opts.cache);
    } catch (e) {
      // Problems are reported with lines, which only a real parse knows: parse again what the
      // cache answered.
      if (!(e instanceof UserError) || opts.cache.hits === hitsBefore) throw e;
    }
  }
  return await loadSpec(specPath, opts.serviceTypes, undefined);
}

async function loadSpec<S extends ServiceSpec>(
  specPath: string,
  serviceTypes: ReadonlyArray<ServiceType<S>>,
  cache: YamlValueCache | undefined,
): Promise<ClusterSpec<S>> {
  let isDir: boolean;
  try {
    isDir = (await stat(specPath)).isDirectory();
  } catch {
    throw new UserError({ file: specPath, message: 'spec not found', hint: SPEC_HINT });
  }
  return isDir
    ? await loadDirectorySpec(specPath, serviceTypes, cache)
    : await loadJsonSpec(specPath, serviceTypes);
}

async function loadDirectorySpec<S extends ServiceSpec>(
  dir: string,
  serviceTypes: ReadonlyArray<ServiceType<S>>,
  cache: YamlValueCache | undefined,
): Promise<ClusterSpec<S>> {
  const buildFile = join(dir, 'build.yml');
  const deployFile = join(dir, 'deploy.yml');
  // `!env` belongs in config files: a spec (and the release made from it) must mean the same
  // everywhere. A service's `env:` may name a variable, kept as a reference and read by the build.
  const [build, deploy] = await Promise.all([
    readYamlFile(buildFile, buildFile, {
      env: undefined,
      envReferencesUnder: ['service', 'env'],
      ...(cache !== undefined ? { cache } : {}),
    }),
    readYamlFile(deployFile, deployFile, { env: undefined, ...(cache !== undefined ? { cache } : {}) }),
  ]);
  const problems: Problem[] = [...build.problems, ...deploy.problems];
  if (build.problems.length === 0 && build.empty) {
    problems.push({
      file: buildFile,
      message: 'file is empty',
      hint: 'it holds a mapping with a repositories list',
    });
  }
  if (deploy.problems.length === 0) {
    if (deploy.empty) {
      problems.push({
        file: deployFile,
        message: 'file is empty',
        hint: 'it holds the JSON-e deploy template',
      });
    } else if (!isPlainObject(deploy.value)) {
      problems.push({
        file: deployFile,
        line: 1,
        message: 'must be a mapping (a JSON-e template with a resources list)',
      });
    }
  }
  const section =
    build.problems.length === 0 && !build.empty
      ? readRepositories(build.value, {
          serviceTypes,
          file: buildFile,
          specDir: resolve(dir),
          prefix: [],
          lineOf: build.lineOf,
        })
      : undefined;
  problems.push(...(section?.problems ?? []));
  if (problems.length > 0 || section === undefined) throw new UserError(inReadingOrder(problems, buildFile));
  return {
    files: { build: buildFile, deploy: deployFile, spec: dir, form: 'directory' },
    repositories: section.repositories,
    rawBuild: section.rawBuild,
    deploy: deploy.value,
    buildLineOf: build.lineOf,
    deployLineOf: deploy.lineOf,
  };
}

async function loadJsonSpec<S extends ServiceSpec>(
  file: string,
  serviceTypes: ReadonlyArray<ServiceType<S>>,
): Promise<ClusterSpec<S>> {
  const read = await readJsonFile(file, file);
  if ('problem' in read) throw new UserError(read.problem);
  const doc = read.value;
  if (!isPlainObject(doc)) {
    throw new UserError({
      file,
      message: 'must be a JSON object {"build": …, "deploy": …}',
      hint: SPEC_HINT,
    });
  }
  const { problems, release } = jsonSpecProblems(file, doc);
  const section =
    doc['build'] !== undefined
      ? readRepositories(doc['build'], {
          serviceTypes,
          file,
          specDir: dirname(resolve(file)),
          prefix: ['build'],
        })
      : undefined;
  problems.push(...(section?.problems ?? []));
  if (problems.length > 0 || section === undefined) throw new UserError(problems);
  return {
    files: { build: file, deploy: file, spec: file, form: 'json' },
    repositories: section.repositories,
    rawBuild: section.rawBuild,
    deploy: doc['deploy'],
    ...(release !== undefined && { release }),
  };
}

/** What is wrong with a JSON spec's top level and its `release` block; the block when it is right. */
function jsonSpecProblems(
  file: string,
  doc: Record<string, unknown>,
): { problems: Problem[]; release: ReleaseInfo | undefined } {
  const problems: Problem[] = [];
  for (const key of Object.keys(doc)) {
    if (!['build', 'deploy', 'release'].includes(key))
      problems.push({
        file,
        path: key,
        message: 'unknown field',
        hint: 'known fields: build, deploy, release',
      });
  }
  for (const key of ['build', 'deploy']) {
    if (doc[key] === undefined)
      problems.push({ file, path: key, message: 'required field is missing', hint: SPEC_HINT });
  }
  if (doc['deploy'] !== undefined && !isPlainObject(doc['deploy']))
    problems.push({
      file,
      path: 'deploy',
      message: 'must be a mapping (a JSON-e template with a resources list)',
    });
  if (doc['release'] === undefined) return { problems, release: undefined };
  const issues = checkRelease(doc['release']);
  for (const issue of issues)
    problems.push({ file, path: ['release', ...issue.path].join('.'), message: issue.message });
  return { problems, release: issues.length === 0 ? (doc['release'] as ReleaseInfo) : undefined };
}

/** build.yml before deploy.yml, each top to bottom: the order a reader fixes them in. */
function inReadingOrder(problems: Problem[], firstFile: string): Problem[] {
  const rank = (p: Problem): number => (p.file === firstFile ? 0 : 1);
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0));
}
