import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { herokuBuildpackBuildType } from '../../../../src/builder/image/heroku-buildpack-build-type.js';
import { loadClusterSpec } from '../../../../src/inputs/cluster-spec.js';
import type { ServiceRepository } from '../../../../src/inputs/types.js';
import { fixturesDir } from '../../../helpers/run-cli.js';

describe('heroku-buildpack build type on the 2018 spec', () => {
  it('accepts every heroku-buildpack entry and names its stack images', async () => {
    const spec = await loadClusterSpec(join(fixturesDir, 'taskcluster-spec-2018'));
    const services = spec.repositories.filter(
      (r): r is ServiceRepository => r.kind === 'service' && r.service.buildType === 'heroku-buildpack',
    );
    assert.equal(services.length, 11);
    for (const service of services) {
      assert.deepEqual(
        service.service,
        {
          buildType: 'heroku-buildpack',
          stack: 'heroku-16',
          buildpack: { url: 'https://github.com/heroku/heroku-buildpack-nodejs' },
        },
        service.name,
      );
      const ctx = { service, commit: '0'.repeat(40), readFile: async () => undefined, images: {} } as never;
      assert.deepEqual(await herokuBuildpackBuildType.baseImages(ctx), [
        'heroku/heroku:16-build',
        'heroku/heroku:16',
      ]);
    }
  });
});
