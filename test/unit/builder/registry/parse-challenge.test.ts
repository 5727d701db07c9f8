import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenge } from '../../../../src/builder/registry/parse-challenge.js';

test('WWW-Authenticate challenges', () => {
  assert.deepEqual(
    parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"',
    ),
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/node:pull',
      },
    },
  );
  assert.deepEqual(parseChallenge('Basic realm="test-registry"'), {
    scheme: 'basic',
    params: { realm: 'test-registry' },
  });
});
