import { createHash } from 'node:crypto';
import { InterruptedError, UserError } from '../../core/user-error.js';
import type { Digest, RegistryCredentials } from '../../spec/types.js';
import { parseImageRef } from './parse-image-ref.js';
import { registryRequest, type RegistryResponse } from './registry-request.js';

/**
 * Every manifest type we understand. Without the OCI and Docker v2 types in `Accept`, a registry
 * may convert the manifest to an old schema, whose digest is not the one the daemon pushed.
 */
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface HeadManifestOptions {
  signal?: AbortSignal;
  /** Attempts after the first, for 5xx answers and connection errors. */
  retries?: number;
  /** First pause between attempts; doubles each time. */
  backoffMs?: number;
  timeoutMs?: number;
}

/** Registries we have seen answer with a Basic challenge: later requests send credentials at once. */
const basicHosts = new Set<string>();

/**
 * The digest of the manifest `ref` names, or undefined when the registry has no such manifest.
 * Registry HTTP API v2, any registry: a HEAD, answering a Basic or Bearer challenge on 401.
 * Refused credentials are not retried; 5xx answers and connection errors are, with backoff.
 */
export async function headManifest(
  ref: string,
  auth: RegistryCredentials | undefined,
  opts: HeadManifestOptions = {},
): Promise<Digest | undefined> {
  const parts = parseImageRef(ref);
  const host = parts.registry === 'docker.io' ? 'registry-1.docker.io' : parts.registry;
  const scheme = isLoopback(host) ? 'http' : 'https';
  const url = new URL(
    `${scheme}://${host}/v2/${parts.repository}/manifests/${parts.digest ?? parts.tag ?? 'latest'}`,
  );
  const send = (method: 'HEAD' | 'GET', target: URL, headers: Record<string, string>) =>
    withRetries(parts.registry, opts, () =>
      registryRequest(target, {
        method,
        headers,
        timeoutMs: opts.timeoutMs ?? 30_000,
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );

  const headers: Record<string, string> = { Accept: ACCEPT };
  if (auth && basicHosts.has(host)) headers['Authorization'] = basic(auth);
  let res = await send('HEAD', url, headers);
  if (res.status === 401 && headers['Authorization'] === undefined) {
    const challenge = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
    if (challenge.scheme === 'basic') {
      if (!auth) throw needsCredentials(parts.registry);
      basicHosts.add(host);
      headers['Authorization'] = basic(auth);
    } else if (challenge.scheme === 'bearer' && challenge.params['realm'] !== undefined) {
      headers['Authorization'] =
        `Bearer ${await fetchToken(challenge.params, parts.repository, auth, parts.registry, send)}`;
    } else {
      throw new UserError({
        message: `registry ${parts.registry} asks for an authentication scheme we do not speak`,
      });
    }
    res = await send('HEAD', url, headers);
  }
  if (res.status === 404) return undefined;
  if (res.status === 401 || res.status === 403) throw refused(parts.registry, auth);
  if (res.status !== 200) {
    throw new UserError({ message: `registry ${parts.registry} answered HTTP ${res.status} for ${ref}` });
  }
  const digest = res.headers['docker-content-digest'];
  if (typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest)) return digest as Digest;
  // Some registries omit the header on HEAD: the digest is then the hash of the manifest bytes.
  const full = await send('GET', url, headers);
  if (full.status !== 200)
    throw new UserError({ message: `registry ${parts.registry} answered HTTP ${full.status} for ${ref}` });
  return `sha256:${createHash('sha256').update(full.body).digest('hex')}` as Digest;
}

type Send = (
  method: 'HEAD' | 'GET',
  target: URL,
  headers: Record<string, string>,
) => Promise<RegistryResponse>;

/** The Bearer token flow of the distribution spec: ask the realm for a pull token. */
async function fetchToken(
  params: Record<string, string>,
  repository: string,
  auth: RegistryCredentials | undefined,
  registry: string,
  send: Send,
): Promise<string> {
  const tokenUrl = new URL(params['realm'] as string);
  if (params['service'] !== undefined) tokenUrl.searchParams.set('service', params['service']);
  tokenUrl.searchParams.set('scope', params['scope'] ?? `repository:${repository}:pull`);
  const res = await send('GET', tokenUrl, auth ? { Authorization: basic(auth) } : {});
  if (res.status === 401 || res.status === 403)
    throw auth ? refused(registry, auth) : needsCredentials(registry);
  if (res.status !== 200)
    throw new UserError({ message: `registry ${registry}: its token service answered HTTP ${res.status}` });
  const body = JSON.parse(res.body.toString('utf8')) as { token?: unknown; access_token?: unknown };
  const token = body.token ?? body.access_token;
  if (typeof token !== 'string')
    throw new UserError({ message: `registry ${registry}: its token service gave no token` });
  return token;
}

async function withRetries(
  registry: string,
  opts: HeadManifestOptions,
  attempt: () => Promise<RegistryResponse>,
): Promise<RegistryResponse> {
  const retries = opts.retries ?? 3;
  let pause = opts.backoffMs ?? 250;
  for (let i = 0; ; i++) {
    let failure: string;
    try {
      const res = await attempt();
      if (res.status < 500) return res;
      failure = `answered HTTP ${res.status}`;
    } catch (e) {
      if (opts.signal?.aborted) throw new InterruptedError('SIGINT');
      const code = (e as NodeJS.ErrnoException).code;
      failure = `could not be reached (${code ?? (e as Error).message})`;
    }
    if (i >= retries) {
      throw new UserError({
        message: `registry ${registry} ${failure}, ${i + 1} attempts`,
        hint: 'check that the registry is running and reachable from here',
      });
    }
    await new Promise((r) => setTimeout(r, pause));
    pause *= 2;
  }
}

/** `Bearer realm="https://auth",service="reg",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"/g))
    params[(p[1] as string).toLowerCase()] = p[2] as string;
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

function basic(auth: RegistryCredentials): string {
  return 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
}

function needsCredentials(registry: string): UserError {
  return new UserError({
    message: `registry ${registry} requires credentials`,
    hint: `give them in the build config (docker.registries["${registry}"]) or ~/.docker/config.json`,
  });
}

function refused(registry: string, auth: RegistryCredentials | undefined): UserError {
  if (!auth) return needsCredentials(registry);
  return new UserError({
    message: `registry ${registry} refused the credentials given for it`,
    hint: `check docker.registries["${registry}"] in the build config, or ~/.docker/config.json`,
  });
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '[::1]';
}
