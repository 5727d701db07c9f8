import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fetchBearerToken } from '../../../../src/builder/registry/bearer-token.js';

test('credentials are never sent to a token service over plain HTTP off this machine', async () => {
  let asked = false;
  await assert.rejects(
    () =>
      fetchBearerToken(
        {
          realm: 'http://auth.example.com/token',
          scopes: ['repository:a/b:pull'],
          auth: { username: 'ci', password: 'secret-pw' },
          registry: 'registry.example.com',
        },
        async () => {
          asked = true;
          throw new Error('not reached');
        },
      ),
    {
      message:
        'registry registry.example.com sends clients to a token service over plain HTTP (http://auth.example.com); credentials are not sent there',
    },
  );
  assert.equal(asked, false);
});
