import { formatPath, type Problem } from '../core/problem.js';
import { isUserError } from '../core/user-error.js';
import { isPlainObject } from './is-plain-object.js';
import { buildSectionSchema } from './build-schema.js';
import { parseSource, stripCredentials } from './parse-source.js';
import { compileSchema } from './schema-check.js';
import type { ServiceType } from './service-types.js';
import { SITE_BUILD_TYPES } from './types.js';
import type {
  BuildSection as WrittenBuildSection,
  GitSource,
  Repository,
  RepositoryEntry,
  ServiceSpec,
  SiteBuildType,
  SiteService,
} from './types.js';
import type { LineOf } from './yaml-file.js';

const MAX_NAME_LENGTH = 128;

type Path = Array<string | number>;

export interface BuildSectionInput<S extends ServiceSpec> {
  /** The build types services may have (src/build-types/build-types.ts). */
  serviceTypes: ReadonlyArray<ServiceType<S>>;
  /** the file shown in problems (build.yml or the JSON spec) */
  file: string;
  /** where relative local sources are resolved */
  specDir: string;
  /** path of the build section inside `file`: [] for build.yml, ['build'] for a JSON spec */
  prefix: Path;
  lineOf?: LineOf;
}

export interface BuildSection<S extends ServiceSpec> {
  repositories: Array<Repository<S>>;
  rawBuild: WrittenBuildSection;
  problems: Problem[];
}

const checkBuildSection = compileSchema(buildSectionSchema);

/** Checks the `build` section and types it; every problem is collected, none thrown. */
export function readRepositories<S extends ServiceSpec>(
  build: unknown,
  input: BuildSectionInput<S>,
): BuildSection<S> {
  const KNOWN_TYPES = `one of: ${input.serviceTypes.map((t) => t.name).join(', ')}`;
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
  const repositories: Array<Repository<S>> = [];
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
    const common = { name, index, source, raw: raws[index] as RepositoryEntry };
    if (kind === 'other') repositories.push({ ...common, kind: 'other' });
    else if (kind === 'service' && service !== undefined)
      repositories.push({ ...common, kind: 'service', service });
  });
  const rawBuild = { ...(isPlainObject(build) ? build : {}), repositories: raws as RepositoryEntry[] };
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

  function readService(service: Record<string, unknown>, path: Path): S | SiteService | undefined {
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
    const type = input.serviceTypes.find((t) => t.name === buildType);
    if (type === undefined) return report(`unknown build type ${JSON.stringify(buildType)} (${KNOWN_TYPES})`);
    const before = problems.length;
    for (const issue of type.check(service)) at([...path, ...issue.path], issue.message, issue.hint);
    if (problems.length > before) return undefined;
    const [, index] = path as ['repositories', number];
    const read = type.read(service, {
      name: String((entries[index] as Record<string, unknown>)['name']),
      index,
      report: (p, message, hint) => at([...path, ...p], message, hint),
      readSource: (value, p) => {
        stripSourceAt(raws[index], ['service', ...p]);
        return readSource(value, [...path, ...p]);
      },
    });
    return problems.length > before ? undefined : read;
  }
}

/** The entry as written, with credentials removed from every URL in it. */
function stripEntry(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...entry };
  for (const key of ['source', 'exactSource']) {
    if (typeof out[key] === 'string') out[key] = stripCredentials(out[key]);
  }
  if (isPlainObject(out['service'])) out['service'] = { ...out['service'] };
  return out;
}

/** A source a build type read from its service fields leaves the raw entry without credentials too. */
function stripSourceAt(raw: unknown, path: Path): void {
  let node: unknown = raw;
  for (const key of path.slice(0, -1)) node = isPlainObject(node) ? node[key] : undefined;
  const last = path[path.length - 1];
  if (isPlainObject(node) && last !== undefined && typeof node[last] === 'string')
    node[last] = stripCredentials(node[last]);
}

function isSiteType(v: unknown): v is SiteBuildType {
  return (SITE_BUILD_TYPES as readonly unknown[]).includes(v);
}
