import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkBaseImages } from '../../src/build-types/docker/buildkit-base-images.js';
import { dockerfileBaseImages } from '../../src/build-types/docker/dockerfile-base-images.js';
import { rewriteDockerfileImages } from '../../src/build-types/docker/dockerfile-from-rewrite.js';
import { connectEngine } from '../../src/builder/engines/connect-docker-engine.js';
import { UserError } from '../../src/core/user-error.js';
import { distinctBusyboxImage } from '../helpers/base-images.js';
import { BuildkitRig } from '../helpers/buildkit-rig.js';
import { removeImages } from '../helpers/remove-images.js';

/**
 * How this engine's BuildKit finds `FROM` images, and the tool's answer to what it cannot find:
 * the `images` map applied to the Dockerfile, and every missing base named before any build.
 */
let rig: BuildkitRig;
let local: string;
const engine = connectEngine({
  kind: 'unix',
  socketPath: '/var/run/docker.sock',
  id: 'unix:///var/run/docker.sock',
  display: 'test',
});
const pinned = `registry.example.invalid/team/base@sha256:${'c'.repeat(64)}`;
before(async () => {
  rig = await BuildkitRig.create('bases');
  local = `${rig.prefix}/local-base:1`;
  // An image of its own (not a second tag of the shared busybox), so removing it removes only it.
  distinctBusyboxImage(local);
});
after(() => removeImages(`${rig.prefix}/*`));

describe('base images under BuildKit', () => {
  it('an image only in the engine’s local store is used as it is: no registry is asked', async () => {
    rig.write({ Dockerfile: `FROM ${local} AS base\nRUN echo local > /from\n` });
    const b = await rig.build('local');
    assert.equal(b.error, undefined, String(b.error));
    assert.deepEqual(b.calls, [], 'no registry login was asked for');
    assert.equal(rig.run('local', ['cat', '/from']), 'local\n');
  });

  it('a digest-pinned FROM goes to its registry; mapped by images to a local image, it builds', async () => {
    const dockerfile = `ARG BASE=${pinned}\nFROM --platform=linux/amd64 \${BASE} AS base\nRUN echo mapped > /from\n`;
    rig.write({ Dockerfile: dockerfile });
    const before = await rig.build('pinned');
    assert.ok(before.error instanceof UserError);
    assert.match(
      before.error.problems[0]?.message ?? '',
      /base image registry\.example\.invalid\/team\/base@sha256:c{64} could not be resolved/,
    );

    const { text, rewrites } = rewriteDockerfileImages(dockerfile, { [pinned]: local });
    assert.deepEqual(rewrites, [{ from: pinned, to: local }]);
    rig.write({ Dockerfile: text });
    const after = await rig.build('pinned');
    assert.equal(after.error, undefined, String(after.error));
    assert.equal(rig.run('pinned', ['cat', '/from']), 'mapped\n');
  });

  it('every missing base image of every service is named in one error before any build', async () => {
    const api = 'FROM tci-bk-missing/one:1 AS build\nFROM tci-bk-missing/two:1\nCOPY --from=build /a /a\n';
    const web = `FROM ${local}\nCOPY --from=tci-bk-missing/two:1 /b /b\n`;
    const services = [
      {
        service: 'api',
        index: 0,
        dockerfile: 'Dockerfile',
        images: dockerfileBaseImages(api, { neededOnly: true }).baseImages,
      },
      {
        service: 'web',
        index: 1,
        dockerfile: 'web/Dockerfile',
        images: dockerfileBaseImages(web, { neededOnly: true }).baseImages,
      },
    ];
    const lookups: string[] = [];
    const err = await checkBaseImages(services, (ref) => {
      lookups.push(ref);
      return engine.imageExists(ref);
    }).catch((e: unknown) => e);
    assert.ok(err instanceof UserError, String(err));
    assert.deepEqual(
      err.problems.map((p) => p.message),
      [
        'service "api": Dockerfile needs the base image tci-bk-missing/one:1, which is neither on the engine nor in its registry',
        'service "api": Dockerfile needs the base image tci-bk-missing/two:1, which is neither on the engine nor in its registry',
        'service "web": web/Dockerfile needs the base image tci-bk-missing/two:1, which is neither on the engine nor in its registry',
      ],
    );
    assert.deepEqual(
      lookups.sort(),
      [local, 'tci-bk-missing/one:1', 'tci-bk-missing/two:1'],
      'each image looked up once',
    );
  });
});
