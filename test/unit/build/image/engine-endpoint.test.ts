import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineEndpoint, engineUnreachable } from '../../../../src/build/image/engine-endpoint.js';

test('no DOCKER_HOST: the default socket', () => {
  assert.deepEqual(engineEndpoint({}), {
    kind: 'unix',
    socketPath: '/var/run/docker.sock',
    display: 'the Docker socket /var/run/docker.sock',
  });
});

test('unix and tcp DOCKER_HOST', () => {
  assert.deepEqual(engineEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), {
    kind: 'unix',
    socketPath: '/run/user/1000/docker.sock',
    display: 'DOCKER_HOST=unix:///run/user/1000/docker.sock',
  });
  assert.deepEqual(engineEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }), {
    kind: 'tcp',
    host: '10.0.0.5',
    port: 2375,
    display: 'DOCKER_HOST=tcp://10.0.0.5:2375',
  });
});

test('TLS without certificates, and unsupported schemes, are UserErrors', () => {
  assert.throws(
    () =>
      engineEndpoint({
        DOCKER_HOST: 'tcp://h:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: '/nonexistent',
      }),
    {
      message: 'cannot read the TLS certificates for DOCKER_HOST=tcp://h:2376 from /nonexistent',
    },
  );
  assert.throws(() => engineEndpoint({ DOCKER_HOST: 'ssh://me@host' }), {
    message:
      'DOCKER_HOST=ssh://me@host is not supported (hint: use unix:///path/to/docker.sock or tcp://host:port)',
  });
});

test('permission denied on the socket gets its own hint', () => {
  const err = Object.assign(new Error('connect EACCES'), { code: 'EACCES' });
  assert.equal(
    engineUnreachable(engineEndpoint({}), err).message,
    'cannot reach the Docker daemon at the Docker socket /var/run/docker.sock (EACCES) (hint: this user may not use the Docker socket: add it to the docker group, or run as root)',
  );
});
