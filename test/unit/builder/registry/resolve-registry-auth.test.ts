import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  defaultDockerConfigPath,
  resolveRegistryAuth,
} from '../../../../src/builder/registry/resolve-registry-auth.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const none = { docker: { repositoryPrefix: '', registries: {} } };
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function dockerConfig(content: unknown): Promise<string> {
  const file = join(await tempDir(), 'config.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('the build config wins over the Docker config', async () => {
  const file = await dockerConfig({ auths: { 'reg.example.com': { auth: b64('docker:cfg') } } });
  const buildConfig = {
    docker: { repositoryPrefix: '', registries: { 'reg.example.com': { username: 'ci', password: 'pw' } } },
  };
  assert.deepEqual(await resolveRegistryAuth('reg.example.com', buildConfig, { dockerConfigPath: file }), {
    username: 'ci',
    password: 'pw',
  });
  assert.deepEqual(await resolveRegistryAuth('reg.example.com', none, { dockerConfigPath: file }), {
    username: 'docker',
    password: 'cfg',
  });
});

test('Docker config keys with a scheme and path; username/password entries; passwords with colons', async () => {
  const file = await dockerConfig({
    auths: {
      'https://index.docker.io/v1/': { auth: b64('hub:pa:ss') },
      'http://127.0.0.1:5000': { username: 'u', password: 'p' },
    },
  });
  assert.deepEqual(await resolveRegistryAuth('docker.io', none, { dockerConfigPath: file }), {
    username: 'hub',
    password: 'pa:ss',
  });
  assert.deepEqual(await resolveRegistryAuth('127.0.0.1:5000', none, { dockerConfigPath: file }), {
    username: 'u',
    password: 'p',
  });
  assert.equal(await resolveRegistryAuth('other.example.com', none, { dockerConfigPath: file }), undefined);
});

test('no Docker config at all is anonymous', async () => {
  assert.equal(
    await resolveRegistryAuth('reg.example.com', none, { dockerConfigPath: '/nonexistent/config.json' }),
    undefined,
  );
});

test('a credential helper is not run, and the caller is told', async () => {
  const file = await dockerConfig({ credHelpers: { 'reg.example.com': 'ecr-login' } });
  const warnings: string[] = [];
  assert.equal(
    await resolveRegistryAuth('reg.example.com', none, {
      dockerConfigPath: file,
      warn: (m) => warnings.push(m),
    }),
    undefined,
  );
  assert.deepEqual(warnings, [
    `${file} names the credential helper "docker-credential-ecr-login" for reg.example.com; it is not used: give the credentials in the build config (docker.registries["reg.example.com"])`,
  ]);
});

test('a malformed Docker config is an error naming the file, not its content', async () => {
  const file = await dockerConfig('{"auths": {"x": {"auth": "secret-value"');
  await assert.rejects(() => resolveRegistryAuth('x', none, { dockerConfigPath: file }), {
    message: `${file}: the Docker config is not a JSON object`,
  });
  const bad = await dockerConfig({ auths: { x: { auth: b64('no-colon') } } });
  await assert.rejects(() => resolveRegistryAuth('x', none, { dockerConfigPath: bad }), {
    message: `${bad}: auths["x"].auth: is not base64 of "username:password"`,
  });
});

test('DOCKER_CONFIG moves the Docker config', () => {
  assert.equal(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/dc' }), '/etc/dc/config.json');
  assert.match(defaultDockerConfigPath({}), /\/\.docker\/config\.json$/);
});
