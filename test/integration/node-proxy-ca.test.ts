import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/user-error.js';
import { buildAppService } from '../helpers/app-build.js';
import { ensureNodeImage } from '../helpers/base-images.js';
import { freePort } from '../helpers/free-port.js';
import { generatePackageSet } from '../helpers/generated-packages.js';
import { GitRepo } from '../helpers/git-repo.js';
import { imageBytes } from '../helpers/image-bytes.js';
import { ensureNodeToolsImage } from '../helpers/node-tools-image.js';
import { runPackageManagerAsync } from '../helpers/node-project-repo.js';
import { dockerBridgeHost, startNpmRegistry, type NpmRegistry } from '../helpers/npm-registry.js';
import { removeImages } from '../helpers/remove-images.js';
import { tempDir } from '../helpers/temp-dir.js';
import { makeServerCert } from '../helpers/tls-certs.js';

// The trial's case: a registry reached through a proxy that re-signs TLS with the company's CA,
// which the install image does not trust. The CA is a file on the build machine, given to the
// install as a secret and named by npm's `cafile` setting in `env` (npm 11 ignores
// NODE_EXTRA_CA_CERTS: it passes its own list of CAs).
let registry: NpmRegistry;
let proxy: Server;
let proxyUrl: string;
let ca: string;
let dir: string;
let repo: GitRepo;
const prefix = `tci-test-proxy-ca-${process.pid}/`;

before(async () => {
  ensureNodeImage();
  const host = dockerBridgeHost();
  registry = await startNpmRegistry(host);
  await registry.publish(generatePackageSet({ count: 2, filesPerPackage: 2, prefix: 'ca-lib-' }));
  dir = await tempDir('tci-node-proxy-ca-');
  const certs = makeServerCert(dir, host);
  ca = certs.ca.toString();
  proxy = await reSigningProxy(certs, registry.url, host);
  proxyUrl = `https://${host}:${(proxy.address() as { port: number }).port}/`;
  writeFileSync(join(dir, 'ca.pem'), ca);
  // The project's own .npmrc names the registry, as a company's projects do; locked through it.
  repo = GitRepo.create(join(dir, 'app'), {
    'package.json': JSON.stringify({
      name: 'app',
      main: 'server.js',
      dependencies: { 'ca-lib-0000': '^1.0.0' },
    }),
    '.npmrc': `registry=${proxyUrl}\n`,
    'server.js': "console.log(require('ca-lib-0000') ? 'up' : 'down');\n",
  });
  await runPackageManagerAsync(
    'npm',
    repo.path,
    ['install', '--package-lock-only', '--no-audit', '--no-fund'],
    join(dir, 'cache'),
    { npm_config_cafile: join(dir, 'ca.pem') },
  );
  assert.match(readFileSync(join(repo.path, 'package-lock.json'), 'utf8'), /"node_modules\/ca-lib-0000"/);
  repo.commit({}, 'the lock file');
});
after(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await registry?.stop();
  removeImages(`${prefix}*`);
});

/** An HTTPS server with `certs` in front of the registry at `target`, as a re-signing proxy is. */
async function reSigningProxy(
  certs: { cert: Buffer; key: Buffer },
  target: string,
  host: string,
): Promise<Server> {
  const server = createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, 'x-forwarded-proto': 'https' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

const build = (service: string, secrets: Record<string, string> = {}) =>
  buildAppService({ dir: join(dir, 'build'), name: 'app', repo, service, prefix, secrets });

describe('a node install behind a proxy that re-signs TLS', () => {
  it('fails without the CA, with npm naming the certificate in the last lines', async () => {
    await assert.rejects(build('{buildType: node, node: "20"}'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /service "app": npm install failed: exit status/);
      assert.match(e.details.join('\n'), /certificate/i);
      return true;
    });
  });

  it("installs with the CA as a secret named by npm's cafile setting; the CA is in no layer", async () => {
    const service =
      '{buildType: node, node: "20", secrets: [proxy-ca], env: {npm_config_cafile: /run/secrets/proxy-ca}}';
    const { image } = await build(service, { 'proxy-ca': ca });
    assert.equal(execFileSync('docker', ['run', '--rm', image, 'web'], { encoding: 'utf8' }), 'up\n');
    const body = ca.split('\n')[1] as string;
    for (const { file, bytes } of imageBytes(image, dir))
      assert.ok(!bytes.includes(body), `the CA is in ${file}`);
  });
});

/** A project of `manager` naming the proxy as its registry, locked through it with the CA. */
async function projectOf(manager: 'yarn' | 'pnpm'): Promise<GitRepo> {
  const app = GitRepo.create(join(dir, `app-${manager}`), {
    'package.json': JSON.stringify({
      name: `app-${manager}`,
      version: '1.0.0',
      main: 'server.js',
      dependencies: { 'ca-lib-0001': '^1.0.0' },
    }),
    '.npmrc': `registry=${proxyUrl}\n`,
    ...(manager === 'yarn' ? { '.yarnrc': `registry "${proxyUrl}"\n` } : {}),
    '.gitignore': 'node_modules\n',
    'server.js': "console.log(require('ca-lib-0001') ? 'up' : 'down');\n",
  });
  // Yarn 1 has no lock-only mode: it installs, which .gitignore keeps out of the commit.
  const args =
    manager === 'yarn' ? ['install', '--non-interactive', '--no-progress'] : ['install', '--lockfile-only'];
  await runPackageManagerAsync(manager, app.path, args, join(dir, `cache-${manager}`), {
    npm_config_cafile: join(dir, 'ca.pem'),
  });
  app.commit({}, 'the lock file');
  return app;
}

describe('Yarn 1 and pnpm behind the same proxy, as the docs say: `cafile=` in the npmrc secret', () => {
  for (const manager of ['yarn', 'pnpm'] as const) {
    it(`${manager} installs with the CA and the npmrc secret naming it; neither is in a layer`, async () => {
      const app = await projectOf(manager);
      const npmrc = 'cafile=/run/secrets/proxy-ca\n';
      const buildWith = (secrets: string[]) =>
        buildAppService({
          dir: join(dir, `build-${manager}`),
          name: `app-${manager}`,
          repo: app,
          service: `{buildType: node, node: "20", secrets: [${secrets.join(', ')}]}`,
          prefix,
          images: { 'node:20': ensureNodeToolsImage() },
          secrets: { npmrc, 'proxy-ca': ca },
        });
      // The CA file alone is not enough: nothing tells the package manager to read it.
      await assert.rejects(buildWith(['proxy-ca']), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, new RegExp(`${manager} install failed`));
        assert.match(e.details.join('\n'), /certificate/i);
        return true;
      });
      const { image } = await buildWith(['npmrc', 'proxy-ca']);
      assert.equal(execFileSync('docker', ['run', '--rm', image, 'web'], { encoding: 'utf8' }), 'up\n');
      const body = ca.split('\n')[1] as string;
      for (const { file, bytes } of imageBytes(image, dir)) {
        assert.ok(!bytes.includes(body), `the CA is in ${file}`);
        assert.ok(!bytes.includes(npmrc), `the npmrc secret is in ${file}`);
      }
    });
  }
});
