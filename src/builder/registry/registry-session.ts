import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { UserError } from '../../core/user-error.js';
import type { RegistryCredentials } from '../../inputs/types.js';
import { basicAuthorization, cachedBearerToken, fetchBearerToken, type BearerRealm } from './bearer-token.js';
import type { ImageRefParts } from './parse-image-ref.js';
import { parseChallenge } from './parse-challenge.js';
import { needsCredentials, refusedCredentials, unexpectedAnswer } from './registry-errors.js';
import { registryOrigin } from './registry-origin.js';
import {
  openRegistryRequest,
  readRegistryResponse,
  type RegistryMethod,
  type RegistryResponse,
} from './registry-request.js';
import { RetryableError, withRetries, type RetryPolicy } from './with-retries.js';

export interface SessionOptions extends RetryPolicy {
  /** Socket idle time per request before it fails with ETIMEDOUT (default 30 s). */
  timeoutMs?: number;
}

export interface SessionRequest {
  method: RegistryMethod;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a function opening the body anew for each attempt (after a retry or a challenge). */
  body?: Buffer | (() => Readable | Promise<Readable>);
  /** false: one attempt; the caller starts a larger step over instead (a blob upload). */
  retry?: boolean;
}

type HostScheme = { scheme: 'basic' } | ({ scheme: 'bearer' } & BearerRealm);

/** How each registry host asked to be authenticated: later sessions authenticate at once. */
const hostSchemes = new Map<string, HostScheme>();

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The conversation with one repository of one registry over the distribution API, for a set of
 * token scopes (`repository:team/api:pull`, or `pull,push` plus `pull` on mount sources). It
 * answers a Basic or Bearer challenge once and reuses the answer (Bearer tokens are cached per
 * scope set), retries 5xx answers and connection errors with backoff, and reports refused
 * credentials at once. Credentials and tokens travel only in the Authorization header, only to
 * the registry's own origin and its token service, and never appear in a message.
 */
export class RegistrySession {
  readonly origin: URL;
  private readonly scopes: string[];

  constructor(
    /** The registry as written in image references, for messages. */
    readonly registry: string,
    readonly repository: string,
    private readonly auth: RegistryCredentials | undefined,
    scopes: readonly string[],
    readonly opts: SessionOptions = {},
  ) {
    this.origin = registryOrigin(registry);
    this.scopes = [...scopes];
  }

  /** A session that reads the repository of `parts` (scope `pull`). */
  static reading(parts: ImageRefParts, auth: RegistryCredentials | undefined, opts: SessionOptions = {}) {
    return new RegistrySession(
      parts.registry,
      parts.repository,
      auth,
      [`repository:${parts.repository}:pull`],
      opts,
    );
  }

  /** `/v2/<repository>/<path>` on this registry. */
  url(path: string): URL {
    return new URL(`/v2/${this.repository}/${path}`, this.origin);
  }

  /** The answer, read whole; authenticated and retried as `open` says. */
  async send(req: SessionRequest): Promise<RegistryResponse> {
    return await this.exchange(req, true, (res) => readRegistryResponse(res, req.url));
  }

  /**
   * The answer with its body unread. On the registry's own origin: a 401 is answered once (Basic,
   * or a Bearer token for this session's scopes) and the request sent again; a 401 after that,
   * or a 403, is a RefusedError. 5xx answers and connection errors are retried (unless `retry`
   * is false), then reported naming the registry.
   */
  async open(req: SessionRequest): Promise<IncomingMessage> {
    return await this.exchange(req, true, async (res) => res);
  }

  /**
   * One `GET /v2/`, authenticated: refused credentials fail here, once, and parallel requests
   * after it share one token instead of each answering the challenge.
   */
  async authenticate(): Promise<void> {
    const res = await this.send({ method: 'GET', url: new URL('/v2/', this.origin) });
    if (res.status !== 200) throw unexpectedAnswer(this.registry, res, '/v2/');
  }

  /**
   * GET of a blob. Registries redirect these to storage (S3, a CDN): redirects are followed, and
   * the Authorization header goes to the registry's own origin only, never to another host.
   */
  async openBlob(digest: string): Promise<IncomingMessage> {
    let url = this.url(`blobs/${digest}`);
    for (let hop = 0; hop <= 5; hop++) {
      const res = await this.open({ method: 'GET', url });
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) return res;
      res.resume();
      url = new URL(location, url);
    }
    throw new UserError({ message: `registry ${this.registry} redirected blob ${digest} more than 5 times` });
  }

  private async exchange<T>(
    req: SessionRequest,
    authorize: boolean,
    consume: (res: IncomingMessage) => Promise<T>,
  ): Promise<T> {
    const own = authorize && req.url.origin === this.origin.origin;
    const name = own || !authorize ? this.registry : `${this.registry} (storage at ${req.url.host})`;
    let answered = false;
    for (;;) {
      const authorization = own ? await this.authorization() : undefined;
      const headers = {
        ...req.headers,
        ...(authorization !== undefined ? { Authorization: authorization } : {}),
      };
      const once = async (): Promise<{ value: T } | { challenge: string }> => {
        const body = typeof req.body === 'function' ? await req.body() : req.body;
        const res = await openRegistryRequest(req.url, {
          method: req.method,
          headers,
          timeoutMs: this.opts.timeoutMs ?? 30_000,
          ...(this.opts.signal ? { signal: this.opts.signal } : {}),
          ...(body !== undefined ? { body } : {}),
        });
        const status = res.statusCode ?? 0;
        if (status >= 500) {
          res.resume();
          throw new RetryableError(name, `answered HTTP ${status}`);
        }
        if (own && (status === 401 || status === 403)) {
          res.resume();
          // Basic credentials are the same the second time; a token we just got is not stale.
          if (status === 403 || answered || authorization?.startsWith('Basic '))
            throw refusedCredentials(this.registry, this.auth);
          return { challenge: String(res.headers['www-authenticate'] ?? '') };
        }
        return { value: await consume(res) };
      };
      const outcome = req.retry === false ? await once() : await withRetries(name, this.opts, once);
      if ('value' in outcome) return outcome.value;
      await this.answer(outcome.challenge);
      answered = true;
    }
  }

  private async authorization(): Promise<string | undefined> {
    const known = hostSchemes.get(this.origin.host);
    if (known?.scheme === 'basic') return this.auth ? basicAuthorization(this.auth) : undefined;
    if (known?.scheme !== 'bearer') return undefined;
    return `Bearer ${cachedBearerToken(this.tokenRequest(known)) ?? (await this.fetchToken(known))}`;
  }

  private async answer(header: string): Promise<void> {
    const challenge = parseChallenge(header);
    const realm = challenge.params['realm'];
    if (challenge.scheme === 'basic') {
      if (!this.auth) throw needsCredentials(this.registry);
      hostSchemes.set(this.origin.host, { scheme: 'basic' });
    } else if (challenge.scheme === 'bearer' && realm !== undefined) {
      const service = challenge.params['service'];
      const bearer: HostScheme = { scheme: 'bearer', realm, ...(service !== undefined ? { service } : {}) };
      hostSchemes.set(this.origin.host, bearer);
      // A scope the registry asks for on a resource this session did not name (rare) is added.
      const named = new Set(this.scopes.map(resourceOf));
      for (const scope of (challenge.params['scope'] ?? '').split(' ').filter((s) => s !== ''))
        if (!named.has(resourceOf(scope))) this.scopes.push(scope);
      await this.fetchToken(bearer);
    } else {
      throw new UserError({
        message: `registry ${this.registry} asks for an authentication scheme we do not speak`,
      });
    }
  }

  private async fetchToken(realm: BearerRealm): Promise<string> {
    return await fetchBearerToken(this.tokenRequest(realm), (url, headers) =>
      this.exchange({ method: 'GET', url, headers }, false, (res) => readRegistryResponse(res, url)),
    );
  }

  private tokenRequest(realm: BearerRealm) {
    return { ...realm, scopes: this.scopes, auth: this.auth, registry: this.registry };
  }
}

/** `repository:team/api:pull,push` → `repository:team/api`. */
function resourceOf(scope: string): string {
  return scope.slice(0, scope.lastIndexOf(':'));
}
