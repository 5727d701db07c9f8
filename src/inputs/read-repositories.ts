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
  const reader = new SectionReader(input);
  for (const issue of checkBuildSection(build)) reader.at(issue.path, issue.message, issue.hint);
  const entries = isPlainObject(build) && Array.isArray(build['repositories']) ? build['repositories'] : [];
  const raws: unknown[] = entries.map((entry: unknown) => (isPlainObject(entry) ? stripEntry(entry) : entry));
  const repositories: Array<Repository<S>> = [];
  entries.forEach((entry: unknown, index) => {
    const repo = isPlainObject(entry)
      ? reader.entry(entry, index, raws[index] as RepositoryEntry)
      : undefined;
    if (repo !== undefined) repositories.push(repo);
  });
  const rawBuild = { ...(isPlainObject(build) ? build : {}), repositories: raws as RepositoryEntry[] };
  return { repositories, rawBuild, problems: reader.problems };
}

/** The reading of one build section: its problems, and the names seen so far. */
class SectionReader<S extends ServiceSpec> {
  readonly problems: Problem[] = [];
  private readonly seen = new Map<string, number>();
  private readonly knownTypes: string;

  constructor(private readonly input: BuildSectionInput<S>) {
    this.knownTypes = `one of: ${input.serviceTypes.map((t) => t.name).join(', ')}`;
  }

  /** A problem at `path` of the build section (the line from where `linePath` was written). */
  at(path: Path, message: string, hint?: string, linePath: Path = path): void {
    const line = this.input.lineOf?.(linePath);
    this.problems.push({
      file: this.input.file,
      ...(line !== undefined && { line }),
      path: formatPath([...this.input.prefix, ...path]),
      message,
      ...(hint !== undefined && { hint }),
    });
  }

  /** One repository entry, typed; undefined when it has problems. */
  entry(entry: Record<string, unknown>, index: number, raw: RepositoryEntry): Repository<S> | undefined {
    const before = this.problems.length;
    const base: Path = ['repositories', index];
    const { name, kind } = entry;
    this.checkName(name, base);
    const source = this.readSource(entry['source'], [...base, 'source']);
    if (typeof entry['exactSource'] === 'string') {
      const exact = this.readSource(entry['exactSource'], [...base, 'exactSource']);
      if (exact && !/^[0-9a-f]{40}$/.test(exact.ref ?? ''))
        this.at([...base, 'exactSource'], 'must end in "#<40-hex commit>"');
    }
    if (kind === 'service' && entry['service'] === undefined)
      this.at(
        [...base, 'service'],
        'required for kind "service"',
        `give the service's buildType (${this.knownTypes})`,
      );
    if (kind === 'other' && entry['service'] !== undefined)
      this.at([...base, 'service'], 'not allowed for kind "other"', 'remove it, or use kind "service"');
    const service =
      kind === 'service' && isPlainObject(entry['service'])
        ? this.readService(entry['service'], String(name), index, raw)
        : undefined;
    if (this.problems.length > before || typeof name !== 'string' || source === undefined) return undefined;
    const common = { name, index, source, raw };
    if (kind === 'other') return { ...common, kind: 'other' };
    return service !== undefined ? { ...common, kind: 'service', service } : undefined;
  }

  private checkName(name: unknown, base: Path): void {
    if (typeof name !== 'string') return;
    if (name.length > MAX_NAME_LENGTH) {
      // Image names are at most 255 characters and file names 255 bytes; the name is part of both.
      this.at([...base, 'name'], `is longer than ${MAX_NAME_LENGTH} characters`);
      return;
    }
    const first = this.seen.get(name);
    if (first !== undefined)
      this.at([...base, 'name'], `duplicate name "${name}" (also repositories[${first}])`);
    else this.seen.set(name, base[1] as number);
  }

  private readSource(value: unknown, path: Path): GitSource | undefined {
    if (typeof value !== 'string') return undefined;
    try {
      return parseSource(value, this.input.specDir, {
        file: this.input.file,
        path: formatPath([...this.input.prefix, ...path]),
      });
    } catch (e) {
      if (!isUserError(e)) throw e;
      for (const p of e.problems) this.at(path, p.message, p.hint);
      return undefined;
    }
  }

  /** The service read by its build type; a site build type is recognised and typed as such. */
  private readService(service: Record<string, unknown>, name: string, index: number, raw: RepositoryEntry) {
    const path: Path = ['repositories', index, 'service'];
    const written = service['buildType'] !== undefined ? 'buildType' : 'buildtype';
    const buildType = service[written];
    if (service['buildType'] !== undefined && service['buildtype'] !== undefined) {
      this.at([...path, 'buildtype'], 'buildtype is the old spelling of buildType: give only one');
      return undefined;
    }
    // The path names the canonical key; the line comes from the key as written.
    const report = (message: string, hint?: string): undefined => {
      this.at([...path, 'buildType'], message, hint, [...path, written]);
      return undefined;
    };
    if (buildType === undefined) return report('required field is missing', this.knownTypes);
    if (isSiteType(buildType)) return { buildType } satisfies SiteService;
    const type = this.input.serviceTypes.find((t) => t.name === buildType);
    if (type === undefined)
      return report(`unknown build type ${JSON.stringify(buildType)} (${this.knownTypes})`);
    const before = this.problems.length;
    for (const issue of type.check(service)) this.at([...path, ...issue.path], issue.message, issue.hint);
    if (this.problems.length > before) return undefined;
    const read = type.read(service, {
      name,
      index,
      report: (p, message, hint) => this.at([...path, ...p], message, hint),
      readSource: (value, p) => {
        stripSourceAt(raw, ['service', ...p]);
        return this.readSource(value, [...path, ...p]);
      },
    });
    return this.problems.length > before ? undefined : read;
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
