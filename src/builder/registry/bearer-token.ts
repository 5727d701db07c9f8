import { createHash } from 'node:crypto';
import { UserError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import { refusedCredentials } from './registry-errors.js';
import { isLoopbackHost } from './registry-origin.js';
import type { RegistryResponse } from './registry-request.js';

/** Where a registry's Bearer challenge sends us for tokens. */
export interface BearerRealm {
  realm: string;
  service?: string;
}

export interface TokenRequest extends BearerRealm {
  /** `repository:team/api:pull,push`, `repository:team/base:pull`, … */
  scopes: readonly string[];
  auth: RegistryCredentials | undefined;
  /** For messages: the registry as the user wrote it. */
  registry: string;
}

interface CachedToken {
  value: string;
  staleAt: number;
}

/**
 * Tokens by realm, service, scopes and credentials, so a build asks the token service once per
 * repository and scope, not once per request. In memory only; the credentials are part of the
 * key as a hash, so one user's token never serves another.
 */
const cache = new Map<string, CachedToken>();

export function cachedBearerToken(req: TokenRequest): string | undefined {
  const hit = cache.get(cacheKey(req));
  return hit !== undefined && hit.staleAt > Date.now() ? hit.value : undefined;
}

/**
 * The token flow of the distribution spec: GET `<realm>?service=…&scope=…&scope=…`, with Basic
 * credentials when there are any (anonymous otherwise). A refusal names the registry, never the
 * credentials; credentials are not sent to a plain-HTTP token service off this machine.
 */
export async function fetchBearerToken(
  req: TokenRequest,
  get: (url: URL, headers: Record<string, string>) => Promise<RegistryResponse>,
): Promise<string> {
  const url = new URL(req.realm);
  if (req.service !== undefined) url.searchParams.set('service', req.service);
  for (const scope of req.scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  if (req.auth) {
    if (url.protocol !== 'https:' && !isLoopbackHost(url.host)) {
      throw new UserError({
        message: `registry ${req.registry} sends clients to a token service over plain HTTP (${url.origin}); credentials are not sent there`,
      });
    }
    headers['Authorization'] = basicAuthorization(req.auth);
  }
  const res = await get(url, headers);
  if (res.status === 401 || res.status === 403) throw refusedCredentials(req.registry, req.auth);
  if (res.status !== 200)
    throw new UserError({
      message: `registry ${req.registry}: its token service answered HTTP ${res.status}`,
    });
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(res.body.toString('utf8')) as typeof body;
  } catch {
    body = {};
  }
  const token = body.token ?? body.access_token;
  if (typeof token !== 'string' || token === '')
    throw new UserError({ message: `registry ${req.registry}: its token service gave no token` });
  // The spec's default lifetime is 60 s, and no token should live shorter; keep a margin.
  const lifetime = Math.max(typeof body.expires_in === 'number' ? body.expires_in : 60, 60);
  cache.set(cacheKey(req), { value: token, staleAt: Date.now() + (lifetime - 10) * 1000 });
  return token;
}

export function basicAuthorization(auth: RegistryCredentials): string {
  return 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
}

function cacheKey(req: TokenRequest): string {
  const who = req.auth
    ? createHash('sha256').update(`${req.auth.username}\0${req.auth.password}`).digest('hex')
    : '';
  return JSON.stringify([req.realm, req.service ?? '', [...req.scopes].sort(), who]);
}
