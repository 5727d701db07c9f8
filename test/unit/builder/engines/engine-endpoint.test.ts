import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  EndpointError,
  engineEndpoint,
  engineUnreachable,
  parseEngineEndpoint,
  unreachableEngineOf,
} from '../../../../src/builder/engines/engine-endpoint.js';
import { UserError } from '../../../../src/core/user-error.js';

test('no DOCKER_HOST: the default socket', () => {
  assert.deepEqual(engineEndpoint({}), {
    kind: 'unix',
    socketPath: '/var/run/docker.sock',
    id: 'unix:///var/run/docker.sock',
    display: 'the Docker socket /var/run/docker.sock',
  });
});

test('unix and tcp DOCKER_HOST', () => {
  assert.deepEqual(engineEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), {
    kind: 'unix',
    socketPath: '/run/user/1000/docker.sock',
    id: 'unix:///run/user/1000/docker.sock',
    display: 'DOCKER_HOST=unix:///run/user/1000/docker.sock',
  });
  assert.deepEqual(engineEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }), {
    kind: 'tcp',
    host: '10.0.0.5',
    port: 2375,
    id: 'tcp://10.0.0.5:2375',
    display: 'DOCKER_HOST=tcp://10.0.0.5:2375',
  });
});

test('TLS without certificates, and unsupported schemes, are UserErrors naming DOCKER_HOST', () => {
  assert.throws(
    () =>
      engineEndpoint({
        DOCKER_HOST: 'tcp://h:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: '/nonexistent',
      }),
    {
      message:
        'DOCKER_HOST=tcp://h:2376: cannot read the TLS certificates (ca.pem, cert.pem, key.pem) from /nonexistent (ENOENT)',
    },
  );
  assert.throws(() => engineEndpoint({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' }), {
    message:
      'DOCKER_HOST=npipe:////./pipe/docker_engine: the scheme "npipe" is not supported (hint: use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port])',
  });
});

test('endpoints as Docker writes them: canonical ids, default ports, ssh user and port', () => {
  const env = {};
  const parse = (text: string) => parseEngineEndpoint(text, { env });
  assert.equal(parse('unix:///var/run/tci-docker2.sock').id, 'unix:///var/run/tci-docker2.sock');
  assert.equal(parse('unix://').id, 'unix:///var/run/docker.sock');
  assert.equal(parse('tcp://builder-1').id, 'tcp://builder-1:2375');
  assert.equal(parse('tcp://builder-1:2376/').id, 'tcp://builder-1:2376');
  assert.equal(parse('http://[::1]:2375').id, 'tcp://[::1]:2375');
  assert.deepEqual(parse('ssh://ci@builder-2:2222'), {
    kind: 'ssh',
    host: 'builder-2',
    port: 2222,
    user: 'ci',
    id: 'ssh://ci@builder-2:2222',
    display: 'ssh://ci@builder-2:2222',
  });
  assert.deepEqual(parse('ssh://builder-3'), {
    kind: 'ssh',
    host: 'builder-3',
    id: 'ssh://builder-3',
    display: 'ssh://builder-3',
  });
});

test('TLS follows DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or a per-engine certificate folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tci-certs-'));
  try {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `${f} content`);
    const viaEnv = parseEngineEndpoint('tcp://b1', {
      env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
    });
    assert.equal(viaEnv.id, 'tcp://b1:2376');
    assert.equal(viaEnv.kind === 'tcp' && viaEnv.tls?.cert.toString(), 'cert.pem content');
    const viaFolder = parseEngineEndpoint('tcp://b2:2376', { env: {}, certPath: dir });
    assert.equal(viaFolder.kind === 'tcp' && viaFolder.tls?.key.toString(), 'key.pem content');
    const plain = parseEngineEndpoint('tcp://b3:2375', { env: { DOCKER_CERT_PATH: dir } });
    assert.equal(plain.kind === 'tcp' && plain.tls, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad endpoints are refused with what is wrong', () => {
  const reason = (text: string) => {
    try {
      parseEngineEndpoint(text, { env: {} });
    } catch (e) {
      assert.ok(e instanceof EndpointError);
      return e.message;
    }
    return 'accepted';
  };
  assert.equal(reason('builder:2375'), 'the scheme "builder" is not supported');
  assert.equal(reason('just-a-name'), 'is not an engine address');
  assert.equal(reason('unix://relative.sock'), 'the socket path must be absolute');
  assert.equal(reason('ssh://ci:secret@builder'), 'must not hold a password');
  assert.equal(reason('tcp://ci@builder:2375'), 'must not hold a user name');
  assert.equal(reason('tcp://builder:2375/v1.41'), 'must be only a scheme, a host and a port');
});

test('permission denied on the socket gets its own hint', () => {
  const err = Object.assign(new Error('connect EACCES'), { code: 'EACCES' });
  assert.equal(
    engineUnreachable(engineEndpoint({}), err).message,
    'cannot reach the Docker daemon at the Docker socket /var/run/docker.sock (EACCES) (hint: this user may not use the Docker socket: add it to the docker group, or run as root)',
  );
});

test('an unreachable engine is found through the causes that wrap it', () => {
  const cut = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  const inner = engineUnreachable(parseEngineEndpoint('tcp://b9:2375', { env: {} }), cut);
  assert.equal(
    inner.message,
    'cannot reach the Docker daemon at tcp://b9:2375 (ECONNRESET) (hint: start the Docker daemon there, or leave this engine out (--engine, or engines in the build config))',
  );
  const wrapped = new UserError({ message: 'service "api": bin/detect failed' }, { cause: inner });
  assert.equal(unreachableEngineOf(wrapped), 'tcp://b9:2375');
  assert.equal(unreachableEngineOf(new UserError({ message: 'RUN failed' })), undefined);
});
