import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../../src/core/user-error.js';
import { connectDockerEngine } from '../../src/builder/engines/connect-docker-engine.js';
import { resolveBaseImageDigests } from '../../src/builder/engines/resolve-base-image-digests.js';
import { headManifest } from '../../src/builder/registry/head-manifest.js';
import { resolveRegistryAuth } from '../../src/builder/registry/resolve-registry-auth.js';
import type { ImageRef } from '../../src/inputs/types.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/temp-dir.js';

const PASSWORD = `s3cret-${process.pid}-pw`;
const engine = connectDockerEngine();
const busybox = ensureBusyboxImage();
const localTags: string[] = [];

function dockerTag(ref: string): ImageRef {
  execFileSync('docker', ['tag', busybox, ref]);
  localTags.push(ref);
  return ref as ImageRef;
}

function assertNoSecret(e: unknown): void {
  const err = e as UserError;
  assert.ok(!JSON.stringify({ m: err.message, p: err.problems, d: err.details }).includes(PASSWORD));
}

after(() => {
  for (const t of localTags) execFileSync('docker', ['rmi', '-f', t], { stdio: 'ignore' });
});

describe('push to a registry with htpasswd auth', () => {
  let registry: TestRegistry;
  let ref: ImageRef;
  const buildConfig = () => ({
    docker: { repositoryPrefix: '', registries: { [registry.host]: { username: 'ci', password: PASSWORD } } },
  });
  before(async () => {
    registry = await startRegistry({ auth: { username: 'ci', password: PASSWORD } });
    ref = dockerTag(`${registry.host}/tci-${process.pid}/busy:v1`);
  });
  after(() => registry.stop());

  test('credentials from the build config push, and the digest is what the registry serves', async () => {
    const auth = await resolveRegistryAuth(registry.host, buildConfig(), {
      dockerConfigPath: '/nonexistent',
    });
    assert.deepEqual(auth, { username: 'ci', password: PASSWORD });
    const lines: string[] = [];
    const digest = await engine.push(ref, auth, (l) => lines.push(l));
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(
      lines.some((l) => /Pushed|already exists/.test(l)),
      lines.join('\n'),
    );

    assert.equal(await headManifest(ref, auth), digest);
    const res = await fetch(`http://${registry.host}/v2/tci-${process.pid}/busy/manifests/v1`, {
      headers: {
        Authorization: 'Basic ' + Buffer.from(`ci:${PASSWORD}`).toString('base64'),
        Accept:
          'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), digest);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, digest);

    const info = await engine.imageInfo(ref);
    assert.ok(info?.repoDigests.includes(`${registry.host}/tci-${process.pid}/busy@${digest}`));
  });

  test('a tag the registry does not have is undefined', async () => {
    const auth = await resolveRegistryAuth(registry.host, buildConfig(), {
      dockerConfigPath: '/nonexistent',
    });
    assert.equal(await headManifest(`${registry.host}/tci-${process.pid}/busy:nope`, auth), undefined);
  });

  test('a wrong password names the registry and never shows the password', async () => {
    const wrong = { username: 'ci', password: `${PASSWORD}-wrong` };
    await assert.rejects(
      () => headManifest(ref, wrong),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.equal(
          e.message,
          `registry ${registry.host} refused the credentials given for it (hint: check docker.registries["${registry.host}"] in the build config, or ~/.docker/config.json)`,
        );
        assertNoSecret(e);
        return true;
      },
    );
    await assert.rejects(
      () => engine.push(ref, wrong, () => {}),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(
          e.message,
          new RegExp(`^pushing ${ref} failed: .*(unauthorized|authentication required)`),
        );
        assert.match(e.message, /hint: check the credentials for this registry/);
        assertNoSecret(e);
        return true;
      },
    );
  });

  test('no credentials for a registry that wants them says so', async () => {
    await assert.rejects(() => headManifest(ref, undefined), {
      message: `registry ${registry.host} requires credentials (hint: give them in the build config (docker.registries["${registry.host}"]) or ~/.docker/config.json)`,
    });
  });

  test('credentials from a Docker config file (base64 auth)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    const auth = Buffer.from(`ci:${PASSWORD}`).toString('base64');
    await writeFile(file, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
    const creds = await resolveRegistryAuth(
      registry.host,
      { docker: { registries: {} } },
      { dockerConfigPath: file },
    );
    assert.deepEqual(creds, { username: 'ci', password: PASSWORD });
    assert.match((await headManifest(ref, creds)) ?? '', /^sha256:/);
  });

  test('a base image missing locally is pulled with the registry credentials', async () => {
    const pulled = `${registry.host}/tci-${process.pid}/busy:v1`;
    execFileSync('docker', ['rmi', pulled], { stdio: 'ignore' });
    assert.equal(await engine.imageExists(pulled), false);
    const auth = await resolveRegistryAuth(registry.host, buildConfig(), {
      dockerConfigPath: '/nonexistent',
    });
    const [resolved] = await resolveBaseImageDigests('api', [pulled], engine, async () => auth);
    assert.equal(resolved?.source, 'registry');
    assert.equal(resolved?.digest, await headManifest(pulled, auth));
    assert.equal(await engine.imageExists(pulled), true);
  });

  test('a base image that exists nowhere names the service and the image', async () => {
    const missing = `${registry.host}/tci-${process.pid}/nothing:here`;
    const auth = await resolveRegistryAuth(registry.host, buildConfig(), {
      dockerConfigPath: '/nonexistent',
    });
    await assert.rejects(
      () => resolveBaseImageDigests('api', [missing], engine, async () => auth),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(
          e.message,
          new RegExp(
            `^service "api": base image "${missing}" is not in the Docker daemon and could not be pulled: pulling ${missing} failed: `,
          ),
        );
        return true;
      },
    );
  });
});

describe('a registry that is down', () => {
  let host: string;
  let ref: ImageRef;
  before(async () => {
    const registry = await startRegistry();
    host = registry.host;
    await registry.stop();
    ref = dockerTag(`${host}/tci-${process.pid}/down:v1`);
  });

  test('push fails clearly, naming the image and pointing at the registry', async () => {
    await assert.rejects(
      () => engine.push(ref, undefined, () => {}),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, new RegExp(`^pushing ${ref} failed: .*connection refused`));
        assert.match(
          e.message,
          /hint: check that the registry is running and reachable from the Docker daemon/,
        );
        return true;
      },
    );
  });

  test('the manifest query retries, then names the registry', async () => {
    await assert.rejects(() => headManifest(ref, undefined, { retries: 2, backoffMs: 5 }), {
      message: `registry ${host} could not be reached (ECONNREFUSED), 3 attempts (hint: check that the registry is running and reachable from here)`,
    });
  });
});

describe('local images', () => {
  test('an image only in the daemon resolves to its image ID', async () => {
    const [resolved] = await resolveBaseImageDigests('api', [busybox], engine, async () => undefined);
    const id = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', busybox], {
      encoding: 'utf8',
    }).trim();
    assert.deepEqual(resolved, { ref: busybox, digest: id, source: 'local' });
  });

  test('an unreachable daemon names DOCKER_HOST and says what to do', async () => {
    const dead = connectDockerEngine({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    await assert.rejects(() => dead.imageInfo('busybox'), {
      message:
        'cannot reach the Docker daemon at DOCKER_HOST=unix:///nonexistent/docker.sock (ENOENT) (hint: start the Docker daemon, or set DOCKER_HOST to where it listens)',
    });
    await assert.rejects(
      () => dead.push('x/y:z' as ImageRef, undefined, () => {}),
      /cannot reach the Docker daemon at DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock/,
    );
  });
});
