import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.js';
import type { BuildConfig, RegistryCredentials } from '../../inputs/types.js';

/** The names Docker Hub goes by in build configs and in `~/.docker/config.json`. */
const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the docker CLI reads it. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['DOCKER_CONFIG'];
  return join(dir !== undefined && dir !== '' ? dir : join(homedir(), '.docker'), 'config.json');
}

export interface RegistryAuthOptions {
  dockerConfigPath?: string;
  /** Told when the Docker config has a credential helper for this registry, which we do not run. */
  warn?: (message: string) => void;
}

/**
 * Credentials for registry `host`: the build config's `docker.registries.<host>` first, then the
 * Docker config's `auths` (base64 `auth`, or `username` and `password`). Credential helpers
 * (`credsStore`, `credHelpers`) are not run: they may prompt or write, and we never store
 * credentials; `warn` says so when one would have applied. Undefined means anonymous.
 */
export async function resolveRegistryAuth(
  host: string,
  buildConfig: { docker: Pick<BuildConfig['docker'], 'registries'> },
  opts: RegistryAuthOptions = {},
): Promise<RegistryCredentials | undefined> {
  const names = DOCKER_HUB.includes(host) ? DOCKER_HUB : [host];
  for (const name of names) {
    const fromBuildConfig = buildConfig.docker.registries[name];
    if (fromBuildConfig) return fromBuildConfig;
  }
  const file = opts.dockerConfigPath ?? defaultDockerConfigPath();
  const config = await readDockerConfig(file);
  if (!config) return undefined;
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!names.includes(registryOfConfigKey(key)) || typeof entry !== 'object' || entry === null) continue;
    const creds = credentialsOf(entry as Record<string, unknown>, file, key);
    if (creds) return creds;
  }
  const helper = config.credHelpers?.[host] ?? config.credsStore;
  if (typeof helper === 'string' && helper !== '') {
    opts.warn?.(
      `${file} names the credential helper "docker-credential-${helper}" for ${host}; it is not used: ` +
        `give the credentials in the build config (docker.registries["${host}"])`,
    );
  }
  return undefined;
}

interface DockerConfig {
  auths?: Record<string, unknown>;
  credHelpers?: Record<string, unknown>;
  credsStore?: unknown;
}

async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError({ file, message: `cannot read the Docker config: ${(e as Error).message}` });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as DockerConfig;
  } catch {
    // The message never quotes the file: it holds credentials.
    throw new UserError({ file, message: 'the Docker config is not a JSON object' });
  }
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `127.0.0.1:5000` stays. */
function registryOfConfigKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

function credentialsOf(
  entry: Record<string, unknown>,
  file: string,
  key: string,
): RegistryCredentials | undefined {
  if (typeof entry['auth'] === 'string' && entry['auth'] !== '') {
    const decoded = Buffer.from(entry['auth'], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new UserError({
        file,
        path: `auths["${key}"].auth`,
        message: 'is not base64 of "username:password"',
      });
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry['username'] === 'string' && typeof entry['password'] === 'string') {
    return { username: entry['username'], password: entry['password'] };
  }
  return undefined;
}
