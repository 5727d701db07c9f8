import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readService } from '../../../helpers/read-service.js';

describe('node service fields', () => {
  it('enter the key with defaults, context in one spelling, an !env value by its name', () => {
    const service = readService({
      buildType: 'node',
      node: 20,
      context: './services/api/',
      env: { PLAIN: 'x', TOKEN: { '!env': 'NPM_TOKEN' } },
      secrets: ['npmrc'],
    });
    assert.deepEqual(service.keyFields, {
      node: '20',
      baseImage: null,
      buildImage: null,
      buildScript: null,
      context: 'services/api',
      ignoreScripts: false,
      env: { PLAIN: 'x', TOKEN: { '!env': 'NPM_TOKEN' } },
      secrets: ['npmrc'],
    });
    assert.deepEqual(service.envNames, ['NPM_TOKEN']);
    assert.equal(service.stepVersion, 'node-7');
  });

  it('refuse a context outside the repository, an env name that is not one, a value that is not a string', () => {
    const node = { buildType: 'node', node: '20' };
    assert.throws(
      () => readService({ ...node, context: '/abs' }),
      /service\.context: must be a relative path inside/,
    );
    assert.throws(
      () => readService({ ...node, env: { 'A=B': 'x' } }),
      /service\.env\["A=B"\]: is not an environment variable name/,
    );
    assert.throws(
      () => readService({ ...node, env: { A: 1 } }),
      /service\.env\.A: must be a string, or !env NAME/,
    );
    assert.throws(() => readService({ ...node, env: { A: { '!env': 'not a name' } } }), /service\.env\.A/);
  });
});
