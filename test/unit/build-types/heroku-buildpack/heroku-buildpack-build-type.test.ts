import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ServiceBuild } from '../../../../src/build-types/build-type.js';
import { buildTypes } from '../../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../../src/inputs/cluster-spec.js';
import type { CommitSha, ServiceRepository } from '../../../../src/inputs/types.js';
import { readService } from '../../../helpers/read-service.js';
import { fixturesDir } from '../../../helpers/run-cli.js';

describe('heroku-buildpack build type on the 2018 spec', () => {
  it('accepts every heroku-buildpack entry and names its stack images', async () => {
    const spec = await loadClusterSpec(join(fixturesDir, 'taskcluster-spec-2018'), {
      serviceTypes: buildTypes,
    });
    const services = spec.repositories.filter(
      (r): r is ServiceRepository<ServiceBuild> & { service: ServiceBuild } =>
        r.kind === 'service' && r.service.buildType === 'heroku-buildpack',
    );
    assert.equal(services.length, 11);
    for (const service of services) {
      assert.deepEqual(service.service.keyFields, { stack: 'heroku-16', context: '.' }, service.name);
      assert.deepEqual(
        service.service.extraSources,
        { buildpack: { url: 'https://github.com/heroku/heroku-buildpack-nodejs' } },
        service.name,
      );
      const ctx = {
        commit: '0'.repeat(40) as CommitSha,
        readFile: async () => undefined,
        tree: () => Promise.reject(new Error('no tree here')),
        images: {},
      };
      assert.deepEqual(await service.service.baseImages(ctx), ['heroku/heroku:16-build', 'heroku/heroku:16']);
    }
  });

  it('reads context as a folder of the repository, in one spelling, and refuses one outside it', () => {
    const fields = { buildType: 'heroku-buildpack', stack: 'heroku-22', buildpack: 'https://h/bp#v1' };
    assert.deepEqual(readService({ ...fields, context: './apps/queue/' }).keyFields, {
      stack: 'heroku-22',
      context: 'apps/queue',
    });
    assert.throws(
      () => readService({ ...fields, context: '../elsewhere' }),
      /repositories\[0\]\.service\.context: must be a relative path inside the repository/,
    );
  });
});
