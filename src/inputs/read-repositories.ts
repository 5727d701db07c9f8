import { formatPath, type Problem } from '../core/problem.js';
import { isUserError } from '../core/user-error.js';
import { isPlainObject } from './is-plain-object.js';
import { buildSectionSchema, serviceSchemas } from './build-schema.js';
import { parseSource, stripCredentials } from './parse-source.js';
import { compileSchema } from './schema-check.js';
import { BUILD_TYPES, SITE_BUILD_TYPES } from './types.js';
import type {
  BuildType,
  DockerService,
  GitSource,
  NodeService,
  Repository,
  ServiceBuild,
  SiteBuildType,
} from './types.js';
import type { LineOf } from './yaml-file.js';

const MAX_NAME_LENGTH = 128;

type Path = Array<string | number>;

export interface BuildSectionInput {
  /** the file shown in problems (build.yml or the JSON spec) */
  file: string;
  /** where relative local sources are resolved */
  specDir: string;
  /** path of the build section inside `file`: [] for build.yml, ['build'] for a JSON spec */
  prefix: Path;
  lineOf?: LineOf;
}

export interface BuildSection {
  repositories: Repository[];
  rawBuild: Record<string, unknown>;
  problems: Problem[];
}

const checkBuildSection = compileSchema(buildSectionSchema);
const checkService = Object.fromEntries(
  BUILD_TYPES.map((t) => [t, compileSchema(serviceSchemas[t])]),
) as Record<BuildType, ReturnType<typeof compileSchema>>;
const KNOWN_TYPES = `one of: ${BUILD_TYPES.join(', ')}`;

/** Checks the `build` section and types it; every problem is collected, none thrown. */
export function readRepositories(build: unknown, input: BuildSectionInput): BuildSection {
  const problems: Problem[] = [];
  const at = (path: Path, message: string, hint?: string): void => {
    const line = input.lineOf?.(path);
    problems.push({
      file: input.file,
      ...(line !== undefined && { line }),
      path: formatPath([...input.prefix, ...path]),
      message,
      ...(hint !== undefined && { hint }),
    });
  };
  for (const issue of checkBuildSection(build)) at(issue.path, issue.message, issue.hint);

  const entries = isPlainObject(build) && Array.isArray(build['repositories']) ? build['repositories'] : [];
  const seen = new Map<string, number>();
  const repositories: Repository[] = [];
  const raws: unknown[] = [];
  entries.forEach((entry: unknown, index) => {
    raws.push(isPlainObject(entry) ? stripEntry(entry) : entry);
    if (!isPlainObject(entry)) return;
    const before = problems.length;
    const base: Path = ['repositories', index];
    const { name, kind } = entry;
    if (typeof name === 'string' && name.length > MAX_NAME_LENGTH) {
      // Image names are at most 255 characters and file names 255 bytes; the name is part of both.
      at([...base, 'name'], `is longer than ${MAX_NAME_LENGTH} characters`);
    } else if (typeof name === 'string') {
      const first = seen.get(name);
      if (first !== undefined)
        at([...base, 'name'], `duplicate name "${name}" (also repositories[${first}])`);
      else seen.set(name, index);
    }
    const source = readSource(entry['source'], [...base, 'source']);
    if (typeof entry['exactSource'] === 'string') {
      const exact = readSource(entry['exactSource'], [...base, 'exactSource']);
      if (exact && !/^[0-9a-f]{40}$/.test(exact.ref ?? '')) {
        at([...base, 'exactSource'], 'must end in "#<40-hex commit>"');
      }
    }
    if (kind === 'service' && entry['service'] === undefined) {
      at(
        [...base, 'service'],
        'required for kind "service"',
        `give the service's buildType (${KNOWN_TYPES})`,
      );
    }
    if (kind === 'other' && entry['service'] !== undefined) {
      at([...base, 'service'], 'not allowed for kind "other"', 'remove it, or use kind "service"');
    }
    const service =
      kind === 'service' && isPlainObject(entry['service'])
        ? readService(entry['service'], [...base, 'service'])
        : undefined;
    if (problems.length > before || typeof name !== 'string' || source === undefined) return;
    const common = { name, index, source, raw: raws[index] as Record<string, unknown> };
    if (kind === 'other') repositories.push({ ...common, kind: 'other' });
    else if (kind === 'service' && service !== undefined)
      repositories.push({ ...common, kind: 'service', service });
  });
  const rawBuild = isPlainObject(build) ? { ...build, repositories: raws } : {};
  return { repositories, rawBuild, problems };

  function readSource(value: unknown, path: Path): GitSource | undefined {
    if (typeof value !== 'string') return undefined;
    try {
      return parseSource(value, input.specDir, {
        file: input.file,
        path: formatPath([...input.prefix, ...path]),
      });
    } catch (e) {
      if (!isUserError(e)) throw e;
      for (const p of e.problems) at(path, p.message, p.hint);
      return undefined;
    }
  }

  function readService(service: Record<string, unknown>, path: Path): ServiceBuild | undefined {
    const written = service['buildType'] !== undefined ? 'buildType' : 'buildtype';
    const buildType = service[written];
    if (service['buildType'] !== undefined && service['buildtype'] !== undefined) {
      at([...path, 'buildtype'], 'buildtype is the old spelling of buildType: give only one');
      return undefined;
    }
    // The path names the canonical key; the line comes from the key as written.
    const typePath = [...path, written];
    const report = (message: string, hint?: string): undefined => {
      const line = input.lineOf?.(typePath);
      problems.push({
        file: input.file,
        ...(line !== undefined && { line }),
        path: formatPath([...input.prefix, ...path, 'buildType']),
        message,
        ...(hint !== undefined && { hint }),
      });
      return undefined;
    };
    if (buildType === undefined) return report('required field is missing', KNOWN_TYPES);
    if (isSiteType(buildType)) return { buildType };
    if (!isBuildType(buildType))
      return report(`unknown build type ${JSON.stringify(buildType)} (${KNOWN_TYPES})`);
    const before = problems.length;
    for (const issue of checkService[buildType](service))
      at([...path, ...issue.path], issue.message, issue.hint);
    if (problems.length > before) return undefined;
    switch (buildType) {
      case 'docker': {
        for (const field of ['context', 'dockerfile'] as const) {
          const value = service[field];
          if (typeof value === 'string' && !isInsidePath(value)) {
            at([...path, field], 'must be a relative path inside the repository (no leading "/", no "..")');
          }
        }
        if (problems.length > before) return undefined;
        return {
          buildType,
          ...pick(service, ['context', 'dockerfile', 'buildArgs', 'target']),
        } as DockerService;
      }
      case 'heroku-buildpack': {
        const buildpack = readSource(service['buildpack'], [...path, 'buildpack']);
        if (buildpack === undefined) return undefined;
        return { buildType, buildpack, stack: service['stack'] as string };
      }
      case 'node': {
        const { node, baseImage } = service;
        if ((node === undefined) === (baseImage === undefined)) {
          at(path, 'a node service needs exactly one of "node" (a major version) or "baseImage"');
          return undefined;
        }
        return {
          buildType,
          ...(node !== undefined && { node: String(node) }),
          ...pick(service, ['baseImage', 'buildScript']),
        } as NodeService;
      }
    }
  }
}

function isInsidePath(p: string): boolean {
  return !p.startsWith('/') && !p.split(/[/\\]/).includes('..');
}

/** The entry as written, with credentials removed from every URL in it. */
function stripEntry(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...entry };
  for (const key of ['source', 'exactSource']) {
    if (typeof out[key] === 'string') out[key] = stripCredentials(out[key]);
  }
  const service = out['service'];
  if (isPlainObject(service) && typeof service['buildpack'] === 'string') {
    out['service'] = { ...service, buildpack: stripCredentials(service['buildpack']) };
  }
  return out;
}

/** The fields present in `obj`, already checked by the build type's schema. */
function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function isBuildType(v: unknown): v is BuildType {
  return (BUILD_TYPES as readonly unknown[]).includes(v);
}

function isSiteType(v: unknown): v is SiteBuildType {
  return (SITE_BUILD_TYPES as readonly unknown[]).includes(v);
}
