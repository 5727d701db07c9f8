import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../../src/core/user-error.js';
import { loadBuildConfig } from '../../../src/inputs/build-config.js';
import { buildTypes } from '../../../src/build-types/build-types.js';
import { loadClusterSpec } from '../../../src/inputs/cluster-spec.js';
import { YamlValueCache } from '../../../src/inputs/yaml-value-cache.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('a repeated load gives the same spec from the cache', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'spec'));
  await writeFile(
    join(dir, 'spec/build.yml'),
    'repositories:\n  - {name: web, kind: service, source: "https://git.example.com/web#main", service: {buildType: docker}}\n',
  );
  await writeFile(join(dir, 'spec/deploy.yml'), 'resources: []\n');
  const cache = new YamlValueCache(join(dir, 'cache'));
  const first = await loadClusterSpec(join(dir, 'spec'), { serviceTypes: buildTypes, cache });
  await cache.flush();
  assert.equal(readdirSync(join(dir, 'cache')).length, 2);
  const second = await loadClusterSpec(join(dir, 'spec'), { serviceTypes: buildTypes, cache });
  // The same services read the same way (each build type's reading holds functions of its own).
  assert.equal(JSON.stringify(second.repositories), JSON.stringify(first.repositories));
  assert.deepEqual(second.deploy, first.deploy);
});

test('problems in a cached text are still reported with their lines', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'spec'));
  await writeFile(
    join(dir, 'spec/build.yml'),
    'repositories:\n  - name: web\n    kind: service\n    source: https://git.example.com/web\n    service:\n      buildType: dockr\n',
  );
  await writeFile(join(dir, 'spec/deploy.yml'), 'resources: []\n');
  const cache = new YamlValueCache(join(dir, 'cache'));
  const messages: string[] = [];
  for (let i = 0; i < 2; i++) {
    // Flushed even though the spec was refused, to reach the re-parse of a cached text.
    await cache.flush();
    await assert.rejects(
      loadClusterSpec(join(dir, 'spec'), { serviceTypes: buildTypes, cache }),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        messages.push(e.message);
        return true;
      },
    );
  }
  assert.match(messages[0] ?? '', /build\.yml:6: repositories\[0\]\.service\.buildType/);
  assert.equal(messages[1], messages[0], 'the cached (second) load reports the same lines');
});

test('a spec with a credential in a source URL is never cached', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'spec'));
  await writeFile(
    join(dir, 'spec/build.yml'),
    'repositories:\n  - {name: web, kind: other, source: "https://tok-123456@git.example.com/web#main"}\n',
  );
  await writeFile(join(dir, 'spec/deploy.yml'), 'resources: []\n');
  const cache = new YamlValueCache(join(dir, 'cache'));
  await loadClusterSpec(join(dir, 'spec'), { serviceTypes: buildTypes, cache });
  await cache.flush();
  assert.equal(readdirSync(join(dir, 'cache')).length, 1, 'only deploy.yml');
});

test('a config naming a password, or using !env, is never cached', async () => {
  const dir = await tempDir();
  const cacheDir = join(dir, 'cache');
  await writeFile(
    join(dir, 'with-password.yml'),
    'docker:\n  registries:\n    r.example.com: {username: ci, password: hunter2-secret}\n',
  );
  await writeFile(join(dir, 'with-env.yml'), 'docker:\n  repositoryPrefix: !env TCI_TEST_PREFIX\n');
  const cache = new YamlValueCache(cacheDir);
  await loadBuildConfig(['with-password.yml'], dir, {}, { cache });
  await loadBuildConfig(['with-env.yml'], dir, { TCI_TEST_PREFIX: 'r.example.com/x/' }, { cache });
  await cache.flush();
  assert.deepEqual(readdirSync(dir).sort(), ['with-env.yml', 'with-password.yml']);
});
