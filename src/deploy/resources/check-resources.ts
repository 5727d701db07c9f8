import type { Problem } from '../../core/problem.js';
import { UserError } from '../../core/user-error.js';
import { valueAt } from '../../core/value-at.js';
import { fileNamePartProblem, MAX_FILE_NAME_BYTES, resourceFileName } from './resource-file-name.js';
import { parseResourceId, typeName, type ResourceId } from './resource-id.js';
import { retiredApiVersion } from './retired-api-versions.js';
import { schemaFor, type SchemaViolation } from './resource-schemas.js';
import { waveOf } from './wave.js';

/** A checked resource and the file it goes to. */
export interface ResourceFile {
  fileName: string;
  /** The file name's `<name>`: the top-level `name`, else `metadata.name`. */
  name: string;
  /** The resource as written: without the top-level `name`, which only names the file. */
  object: Record<string, unknown>;
  /** What names it in the cluster (its kind is the file name's `<kind>`); `namespace` as the template gives it. */
  id: ResourceId;
  /** Its wave (`taskcluster-installer/wave`), 0 unless annotated. */
  wave: number;
}

export interface CheckOptions {
  validate: boolean;
  origin: ResourceOrigin;
  /**
   * A schema violation this returns true for is not reported. `validate` renders with stand-ins
   * for what it was not given, whose types say nothing about the real values.
   */
  excuse?: (violation: SchemaViolation, value: unknown) => boolean;
}

/** Where the resource at an index came from in the template: file, line and path. */
export type ResourceOrigin = (index: number) => Pick<Problem, 'file' | 'line' | 'path'>;

export interface CheckedResources {
  files: ResourceFile[];
  warnings: Problem[];
}

/**
 * Checks rendered resources (docs/deploy.md#checks): shape, file names, collisions (also by
 * letter case, as macOS and Windows file systems fold it) and, unless `validate` is false,
 * the official schema of each built-in kind. Reports every problem at once.
 */
export async function checkResources(
  resources: readonly unknown[],
  opts: CheckOptions,
): Promise<CheckedResources> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const files: ResourceFile[] = [];
  const byFileName = new Map<string, { index: number; fileName: string }>();
  const at = (index: number, field: string): Pick<Problem, 'file' | 'line' | 'path'> => {
    const o = opts.origin(index);
    return { ...o, path: (o.path ?? '') + (field === '' ? '' : '.' + field) };
  };

  for (const [index, resource] of resources.entries()) {
    const found = fileOf(resource, index, at, problems);
    if (found === undefined) continue;
    const key = found.fileName.toLowerCase();
    const other = byFileName.get(key);
    if (other !== undefined) {
      const resourcePath = opts.origin(index).path ?? `resources[${index}]`;
      const otherPath = opts.origin(other.index).path ?? `resources[${other.index}]`;
      problems.push({
        ...at(index, ''),
        message:
          other.fileName === found.fileName
            ? `${resourcePath} and ${otherPath} would both be written to ${found.fileName}`
            : `${resourcePath} (${found.fileName}) and ${otherPath} (${other.fileName}) differ only in letter case, which case-insensitive file systems (macOS, Windows) cannot keep apart`,
        hint: 'give each resource a distinct top-level name or metadata.name',
      });
      continue;
    }
    byFileName.set(key, { index, fileName: found.fileName });
    files.push(found);
  }

  for (const file of files) await checkVersionAndSchema(file, opts, problems, warnings);

  if (problems.length > 0) throw new UserError(problems);
  return { files, warnings };
}

/** The retired-version warning, and (unless `validate` is false) the kind's official schema. */
async function checkVersionAndSchema(
  file: ResourceFile,
  opts: CheckOptions,
  problems: Problem[],
  warnings: Problem[],
): Promise<void> {
  const apiVersion = file.id.apiVersion;
  const retired = retiredApiVersion(apiVersion, file.id.kind);
  if (!opts.validate) {
    if (retired !== undefined) warnings.push({ file: file.fileName, path: 'apiVersion', message: retired });
    return;
  }
  const check = await schemaFor(apiVersion, file.id.kind);
  if (check === undefined) {
    warnings.push({
      file: file.fileName,
      message:
        retired !== undefined
          ? `${retired}; its old schema is not known, so it was not validated`
          : `no schema is known for ${file.id.kind} in ${apiVersion} (a custom resource?), so it was not validated`,
    });
    return;
  }
  if (retired !== undefined) warnings.push({ file: file.fileName, path: 'apiVersion', message: retired });
  for (const v of check(file.object)) {
    if (opts.excuse?.(v, valueAt(file.object, v.at)) === true) continue;
    problems.push({ file: file.fileName, path: v.path, message: v.message });
  }
}

function fileOf(
  resource: unknown,
  index: number,
  at: (index: number, field: string) => Pick<Problem, 'file' | 'line' | 'path'>,
  problems: Problem[],
): ResourceFile | undefined {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    problems.push({
      ...at(index, ''),
      message: `must be an object (a Kubernetes resource), not ${typeName(resource)}`,
    });
    return undefined;
  }
  const { name: fileLabel, ...object } = resource as Record<string, unknown>;
  const before = problems.length;
  const parsed = parseResourceId(object);
  if ('problems' in parsed) {
    for (const p of parsed.problems)
      problems.push({
        ...at(index, p.path),
        message: p.message,
        hint: 'every resource needs apiVersion, kind and metadata.name',
      });
  }
  if (fileLabel !== undefined && typeof fileLabel !== 'string') {
    problems.push({
      ...at(index, 'name'),
      message: `must be a string (it names the file), not ${typeName(fileLabel)}`,
    });
  }
  const wave = waveOf(object);
  if ('problem' in wave) problems.push({ ...at(index, wave.problem.path), message: wave.problem.message });
  if (problems.length > before || 'problems' in parsed || 'problem' in wave) return undefined;

  const { kind } = parsed.id;
  const name = (fileLabel as string | undefined) ?? parsed.id.name;
  for (const [field, part] of [
    ['kind', kind],
    [fileLabel !== undefined ? 'name' : 'metadata.name', name],
  ] as const) {
    const why = fileNamePartProblem(part);
    if (why !== undefined) {
      problems.push({
        ...at(index, field),
        message: `${JSON.stringify(part)} cannot be part of a file name: it ${why}`,
        hint: 'each resource is written to <kind>-<name>.json inside the output directory',
      });
    }
  }
  if (problems.length > before) return undefined;
  const fileName = resourceFileName(kind, name);
  if (Buffer.byteLength(fileName) > MAX_FILE_NAME_BYTES) {
    problems.push({
      ...at(index, ''),
      message: `file name ${fileName.slice(0, 40)}… is longer than ${MAX_FILE_NAME_BYTES} bytes`,
    });
    return undefined;
  }
  return { fileName, name, object, id: parsed.id, wave: wave.wave };
}
