import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { manifestOf, packTarball, type GeneratedPackage } from './generated-packages.js';
import { stopServer } from './stop-server.js';

export interface NpmRegistry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** `//127.0.0.1:<port>/`: the prefix of an npmrc's `:_authToken=` line. */
  nerfDart: string;
  /** Publishes packages (several at once) through the registry's publish API, as `npm publish` does. */
  publish(packages: readonly GeneratedPackage[], token?: string): Promise<void>;
  /** Creates a user and returns its token: what `npm adduser` writes into an npmrc. */
  addUser(name: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

/** Packages of this scope need a logged-in user, to read and to publish (an npmrc token). */
export const PRIVATE_SCOPE = '@private';

/**
 * The host's address on Docker's default bridge (`docker0`, the bridge network's gateway):
 * containers of build steps reach a server listening there, as they would reach a registry on
 * the network, while loopback is the container's own. The host reaches it too.
 */
export function dockerBridgeHost(): string {
  const bridge = execFileSync(
    'docker',
    ['network', 'inspect', 'bridge', '--format', '{{index .Options "com.docker.network.bridge.name"}}'],
    { encoding: 'utf8' },
  ).trim();
  // os.networkInterfaces() leaves out a bridge that has no container on it (no carrier).
  const ip = execFileSync('ip', ['-4', '-o', 'addr', 'show', bridge], { encoding: 'utf8' });
  const address = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(ip)?.[1];
  if (address === undefined) throw new Error(`no IPv4 address on Docker's bridge "${bridge}"`);
  return address;
}

/**
 * Starts a real npm registry, verdaccio 6.8 (a devDependency of this project), on a free port
 * of `host` (loopback by default; `dockerBridgeHost()` for build steps in containers) with
 * storage in a temp dir and no uplink: it serves only what the test publishes, so nothing
 * reaches the internet. Anyone may read and publish, except packages of `@private/`, which need
 * a user's token (made with `addUser`).
 */
export async function startNpmRegistry(host = '127.0.0.1'): Promise<NpmRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tci-npm-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      `  htpasswd: {file: ${join(dir, 'htpasswd')}, max_users: 100, algorithm: sha1}`,
      'uplinks: {}',
      'packages:',
      `  '${PRIVATE_SCOPE}/*': {access: $authenticated, publish: $authenticated}`,
      "  '**': {access: $all, publish: $all}",
      'max_body_size: 200mb',
      'log: {type: stdout, format: pretty, level: error}',
      'web: {enable: false}',
      '',
    ].join('\n'),
  );
  const bin = createRequire(import.meta.url).resolve('verdaccio/bin/verdaccio');
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, '--config', config, '--listen', `${host}:${port}`],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const url = `http://${host}:${port}/`;
  await waitUntilUp(url, child, () => output);
  return {
    url,
    nerfDart: `//${host}:${port}/`,
    publish: (packages, token) => publishAll(url, packages, token),
    addUser: (name, password) => addUser(url, name, password),
    stop: () => stopServer(child, dir),
  };
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`verdaccio did not start on ${url}: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function publishAll(url: string, packages: readonly GeneratedPackage[], token?: string): Promise<void> {
  // One version at a time per name (verdaccio refuses concurrent updates of one packument),
  // eight names at once.
  const byName = new Map<string, GeneratedPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const queue = [...byName.values()];
  const worker = async () => {
    for (let versions = queue.shift(); versions !== undefined; versions = queue.shift()) {
      for (const p of versions) await publishOne(url, p, token);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** The body `npm publish` sends: the packument with this version and its tarball attached. */
async function publishOne(url: string, p: GeneratedPackage, token?: string): Promise<void> {
  const { bytes, shasum, integrity } = await packTarball(p);
  const file = `${p.name.replace(/^@[^/]+\//, '')}-${p.version}.tgz`;
  const path = p.name.replace('/', '%2f');
  const body = {
    _id: p.name,
    name: p.name,
    'dist-tags': { [p.version.startsWith('1.') ? 'latest' : `v${p.version.split('.')[0]}`]: p.version },
    versions: {
      [p.version]: {
        ...manifestOf(p),
        _id: `${p.name}@${p.version}`,
        dist: { shasum, integrity, tarball: `${url}${p.name}/-/${file}` },
      },
    },
    _attachments: {
      [file]: {
        content_type: 'application/octet-stream',
        data: bytes.toString('base64'),
        length: bytes.length,
      },
    },
  };
  const res = await fetch(`${url}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`publishing ${p.name}@${p.version}: ${res.status} ${await res.text()}`);
}

async function addUser(url: string, name: string, password: string): Promise<string> {
  const res = await fetch(`${url}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || body.token === undefined)
    throw new Error(`adding user ${name}: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}
