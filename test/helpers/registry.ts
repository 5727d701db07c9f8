import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { stopServer } from './stop-server.js';

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the daemon talks plain HTTP to loopback registries. */
  host: string;
  auth?: { username: string; password: string };
  /** The filesystem store's root: blobs are at `docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data`. */
  dataDir: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** htpasswd (Basic) auth with this one user. */
  auth?: { username: string; password: string };
  /** Bearer token auth against a token service (test/helpers/token-server.ts). */
  tokenAuth?: { realm: string; service: string; issuer: string; certPath: string };
  /**
   * Blob GETs answered with a redirect to `<baseUrl><storage path>` (the registry's `redirect`
   * storage middleware, as with S3 or a CDN); serve `dataDir` there.
   */
  redirectBlobsTo?: string;
}

/**
 * Starts a real registry (Debian's `docker-registry`, i.e. distribution 2.8) on a free loopback
 * port, with a filesystem store in a temp dir and, when `auth` is given, htpasswd auth (or, with
 * `tokenAuth`, Bearer tokens).
 */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tci-registry-'));
  const port = await freePort();
  let authSection = '';
  if (opts.auth) {
    const htpasswd = execFileSync('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'htpasswd'), htpasswd);
    authSection = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  if (opts.tokenAuth) {
    const t = opts.tokenAuth;
    authSection = [
      'auth:',
      '  token:',
      `    realm: ${t.realm}`,
      `    service: ${t.service}`,
      `    issuer: ${t.issuer}`,
      `    rootcertbundle: ${t.certPath}`,
      '',
    ].join('\n');
  }
  const middleware = opts.redirectBlobsTo
    ? `middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: ${opts.redirectBlobsTo}\n`
    : '';
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    authSection,
    middleware,
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`registry did not start on ${host}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    ...(opts.auth ? { auth: opts.auth } : {}),
    dataDir: join(dir, 'data'),
    stop: () => stopServer(child, dir),
  };
}
