import { dirname, resolve } from 'node:path';
import type { SchemaObject } from 'ajv';
import { formatPath, type Problem } from '../core/problem.js';
import { UserError } from '../core/user-error.js';
import { deepMerge, readConfigFiles, type ConfigFile } from './config-files.js';
import { isPlainObject } from './is-plain-object.js';
import { compileSchema } from './schema-check.js';
import type { BuildConfig, BuildSecretSource, EngineConfig, RegistryCredentials } from './types.js';
import type { YamlValueCache } from './yaml-value-cache.js';
import { SECRET_ID_PATTERN, SECRET_ID_TEXT } from './build-schema.js';

export const BUILD_CONFIG_DEFAULTS = ['build-config.yml', 'user-build-config.yml'] as const;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:localhost(?::[0-9]+)?|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+(?::[0-9]+)?|[A-Za-z0-9-]+:[0-9]+)/';
const PREFIX_PATTERN = `^(?:${HOST})?(?:${COMPONENT}/)*(?:${COMPONENT}(?:[._]|__|-+)?)?$`;

const ENDPOINT_PATTERN = '^(unix|tcp|ssh|http|https)://';
const ENDPOINT_TEXT =
  'must be a Docker engine address: unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or {endpoint, concurrency, certPath}';

// Every field is optional in one file: a later file may supply what an earlier one lacks, so
// completeness (a registry's username and password) is checked after merging.
export const buildConfigFileSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    docker: {
      type: 'object',
      additionalProperties: false,
      properties: {
        repositoryPrefix: {
          type: 'string',
          // Docker's grammar for the start of a repository name: an optional registry host
          // (with a dot or a port, or localhost), then lowercase path components, the last of
          // which may be left open (`org/taskcluster-`). Bounded: image names are <= 255.
          maxLength: 200,
          pattern: PREFIX_PATTERN,
          errorText: 'must be the start of an image name, e.g. "registry.example.com/taskcluster/"',
        },
        registries: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            properties: { username: { type: 'string' }, password: { type: 'string' } },
          },
        },
        // Per service, `builder:` in build.yml wins over this default.
        builder: { enum: ['buildkit', 'legacy'], errorText: 'must be "buildkit" or "legacy"' },
      },
    },
    images: {
      type: 'object',
      additionalProperties: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$',
        errorText: 'must be an image reference, e.g. "registry.example.com/mirror/node:20"',
      },
    },
    // Build secrets by id: a value (usually `!env NAME`), or {file} read when a build needs it.
    secrets: {
      type: 'object',
      patternProperties: {
        [SECRET_ID_PATTERN]: {
          type: ['string', 'object'],
          errorText: "must be the secret's value (e.g. !env NPM_TOKEN) or {file: <path>}",
          additionalProperties: false,
          required: ['file'],
          properties: { file: { type: 'string', minLength: 1, errorText: 'must be a file path' } },
        },
      },
      additionalProperties: false,
      unknownFieldText: SECRET_ID_TEXT,
    },
    // Each entry an endpoint, or {endpoint, concurrency, certPath}; the endpoint itself (host,
    // port, certificates) is checked when the build starts, naming this file and entry.
    engines: {
      type: 'array',
      items: {
        type: ['string', 'object'],
        pattern: ENDPOINT_PATTERN,
        errorText: ENDPOINT_TEXT,
        additionalProperties: false,
        required: ['endpoint'],
        properties: {
          endpoint: { type: 'string', pattern: ENDPOINT_PATTERN, errorText: ENDPOINT_TEXT },
          concurrency: {
            type: 'integer',
            minimum: 1,
            errorText: 'must be a whole number of image builds at once, 1 or more',
          },
          certPath: {
            type: 'string',
            minLength: 1,
            errorText: 'must be a folder holding ca.pem, cert.pem and key.pem',
          },
        },
      },
    },
  },
};
const checkFile = compileSchema(buildConfigFileSchema);

/**
 * Loads and merges the build config (docs/reference/build-config.md). Reads the 2018 layout too, where the config
 * sits under a top-level `defaults:` profile. Problems never quote values: a config holds passwords.
 */
export async function loadBuildConfig(
  files: string[] | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
  opts: { cache?: YamlValueCache } = {},
): Promise<BuildConfig> {
  if (opts.cache !== undefined) {
    const hitsBefore = opts.cache.hits;
    try {
      return await loadWith(files, cwd, env, opts.cache);
    } catch (e) {
      // Problems are reported with lines, which only a real parse knows: parse again what the
      // cache answered.
      if (!(e instanceof UserError) || opts.cache.hits === hitsBefore) throw e;
    }
  }
  return await loadWith(files, cwd, env, undefined);
}

async function loadWith(
  files: string[] | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
  cache: YamlValueCache | undefined,
): Promise<BuildConfig> {
  const read = await readConfigFiles(files, cwd, env, BUILD_CONFIG_DEFAULTS, cache);
  const problems: Problem[] = [...read.problems];
  const sensitive = new Set<string>();
  let merged: unknown = {};
  const lastFileOfRegistry = new Map<string, string>();
  let engines: EngineConfig[] | undefined;
  const buildSecrets: Record<string, BuildSecretSource> = {};
  for (const file of read.files) {
    for (const v of file.envValues) sensitive.add(v);
    const content = unwrapProfile(file, problems);
    if (content === undefined) continue;
    const before = problems.length;
    for (const issue of checkFile(content.value)) {
      const path = [...content.prefix, ...issue.path];
      problems.push(at(file, path, issue.message, issue.hint));
    }
    if (problems.length > before) continue;
    const registries = (
      content.value['docker'] as { registries?: Record<string, Partial<RegistryCredentials>> }
    )?.registries;
    for (const [host, creds] of Object.entries(registries ?? {})) {
      if (creds.password !== undefined) sensitive.add(creds.password);
      lastFileOfRegistry.set(host, file.file);
    }
    // Lists replace, so the engines are those of the last file that names any.
    const list = content.value['engines'];
    if (Array.isArray(list)) engines = list.map((e, i) => engineEntry(file, content.prefix, cwd, e, i));
    Object.assign(buildSecrets, secretEntries(file, content.value, cwd, sensitive));
    merged = deepMerge(merged, content.value);
  }
  const config = merged as { docker?: Partial<BuildConfig['docker']>; images?: Record<string, string> };
  const registries = (config.docker?.registries ?? {}) as Record<string, Partial<RegistryCredentials>>;
  problems.push(...incompleteRegistries(registries, lastFileOfRegistry));
  if (problems.length > 0) throw new UserError(problems);
  return {
    docker: {
      repositoryPrefix: config.docker?.repositoryPrefix ?? '',
      registries: registries as Record<string, RegistryCredentials>,
      builder: config.docker?.builder ?? 'buildkit',
    },
    images: config.images ?? {},
    engines: engines ?? [],
    secrets: buildSecrets,
    sensitiveValues: [...sensitive],
  };
}

/**
 * One file's `secrets:`, a `{file}` path taken from the file's folder; values are sensitive. A
 * later file's entry replaces the whole entry: a value and a `{file}` never mix.
 */
function secretEntries(
  file: ConfigFile,
  content: Record<string, unknown>,
  cwd: string,
  sensitive: Set<string>,
): Record<string, BuildSecretSource> {
  const configured = (content['secrets'] ?? {}) as Record<string, string | { file: string }>;
  const entries: Record<string, BuildSecretSource> = {};
  for (const [id, source] of Object.entries(configured)) {
    if (typeof source === 'string') sensitive.add(source);
    entries[id] =
      typeof source === 'string' ? source : { file: resolve(cwd, dirname(file.file), source.file) };
  }
  return entries;
}

/** Each registry still missing its username or password once every file is merged. */
function incompleteRegistries(
  registries: Record<string, Partial<RegistryCredentials>>,
  lastFileOfRegistry: ReadonlyMap<string, string>,
): Problem[] {
  const problems: Problem[] = [];
  for (const [host, creds] of Object.entries(registries)) {
    const missing = (['username', 'password'] as const).filter((k) => creds[k] === undefined);
    if (missing.length > 0) {
      problems.push({
        file: lastFileOfRegistry.get(host) ?? 'build config',
        path: formatPath(['docker', 'registries', host]),
        message: `needs ${missing.join(' and ')} (after merging all build config files)`,
      });
    }
  }
  return problems;
}

/** One checked `engines` entry, with a relative `certPath` taken from the file's folder. */
function engineEntry(
  file: ConfigFile,
  prefix: string[],
  cwd: string,
  entry: unknown,
  index: number,
): EngineConfig {
  const fields = (typeof entry === 'string' ? { endpoint: entry } : entry) as {
    endpoint: string;
    concurrency?: number;
    certPath?: string;
  };
  const path = [...prefix, 'engines', index];
  const line = file.lineOf(path);
  return {
    endpoint: fields.endpoint,
    ...(fields.concurrency !== undefined ? { concurrency: fields.concurrency } : {}),
    ...(fields.certPath !== undefined ? { certPath: resolve(cwd, dirname(file.file), fields.certPath) } : {}),
    file: file.file,
    ...(line !== undefined ? { line } : {}),
    path: formatPath(path),
  };
}

/** The 2018 layout puts the config under `defaults:`; other profiles were never used by builds. */
function unwrapProfile(
  file: ConfigFile,
  problems: Problem[],
): { value: Record<string, unknown>; prefix: string[] } | undefined {
  if (!Object.hasOwn(file.value, 'defaults')) return { value: file.value, prefix: [] };
  for (const key of Object.keys(file.value)) {
    if (key !== 'defaults') {
      problems.push(
        at(
          file,
          [key],
          'unknown field',
          'in the 2018 layout only the "defaults" profile is read; move settings there',
        ),
      );
    }
  }
  const profile = file.value['defaults'] ?? {};
  if (!isPlainObject(profile)) {
    problems.push(at(file, ['defaults'], 'must be a mapping'));
    return undefined;
  }
  return { value: profile, prefix: ['defaults'] };
}

function at(file: ConfigFile, path: Array<string | number>, message: string, hint?: string): Problem {
  const line = file.lineOf(path);
  return {
    file: file.file,
    ...(line !== undefined && { line }),
    path: formatPath(path),
    message,
    ...(hint !== undefined && { hint }),
  };
}
