import { execFileSync } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a user may do on a repository: `(user, repository) => actions`. */
export type Grant = (user: string, repository: string) => string[];

/** One request to the token service, as recorded. */
export interface TokenRequest {
  user: string | undefined;
  scopes: string[];
  status: number;
}

/**
 * The token service of the distribution spec's Bearer flow, for a real registry configured with
 * `auth.token` (see startRegistry's `tokenAuth`). It checks HTTP Basic credentials, grants the
 * requested scopes that `grant` allows, and signs the JWT with RS256 and an `x5c` header holding
 * a self-signed certificate made with openssl; the registry verifies the signature against that
 * certificate (its `rootcertbundle`), the issuer, the audience (service) and the expiry, so the
 * registry's own token validation runs. Anonymous requests are refused (401).
 */
export class TokenServer {
  readonly requests: TokenRequest[] = [];
  readonly issuer = 'tci-test-issuer';
  readonly service = 'tci-test-registry';

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    private readonly key: string,
    private readonly certDer: string,
    private readonly users: Record<string, string>,
    private readonly grant: Grant,
  ) {}

  static async start(opts: { users: Record<string, string>; grant?: Grant }): Promise<TokenServer> {
    const dir = mkdtempSync(join(tmpdir(), 'tci-token-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=tci-test-token-signer',
      ],
      { stdio: 'ignore' },
    );
    const der = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-outform', 'DER']);
    const holder: { self?: TokenServer } = {};
    const server = createServer((req, res) => holder.self?.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    holder.self = new TokenServer(
      server,
      dir,
      readFileSync(join(dir, 'key.pem'), 'utf8'),
      der.toString('base64'),
      opts.users,
      opts.grant ?? (() => ['pull', 'push']),
    );
    return holder.self;
  }

  get realm(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
  }

  /** The certificate the registry trusts for token signatures. */
  get certPath(): string {
    return join(this.dir, 'cert.pem');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    const given = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, password] = given ? splitOnce(Buffer.from(given, 'base64').toString('utf8')) : [];
    const ok = user !== undefined && this.users[user] !== undefined && this.users[user] === password;
    this.requests.push({ user, scopes, status: ok ? 200 : 401 });
    if (!ok) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ details: 'authentication required' }));
      return;
    }
    const access = scopes.map((scope) => {
      const [type, name, actions] = splitScope(scope);
      const allowed = this.grant(user, name);
      return { type, name, actions: actions.split(',').filter((a) => allowed.includes(a)) };
    });
    const now = Math.floor(Date.now() / 1000);
    const token = this.sign({
      iss: this.issuer,
      sub: user,
      aud: url.searchParams.get('service') ?? '',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  }

  private sign(claims: object): string {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ typ: 'JWT', alg: 'RS256', x5c: [this.certDer] })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), this.key).toString('base64url')}`;
  }
}

function splitOnce(s: string): [string, string] {
  const i = s.indexOf(':');
  return [s.slice(0, i), s.slice(i + 1)];
}

/** `repository:team/api:pull,push` → its three parts. */
function splitScope(scope: string): [string, string, string] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  return [scope.slice(0, first), scope.slice(first + 1, last), scope.slice(last + 1)];
}
