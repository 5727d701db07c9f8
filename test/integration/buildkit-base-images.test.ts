import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rewriteDockerfileImages } from '../../src/build-types/docker/dockerfile-from-rewrite.js';
import { UserError } from '../../src/core/user-error.js';
import { distinctBusyboxImage } from '../helpers/base-images.js';
import { BuildkitRig } from '../helpers/buildkit-rig.js';
import { removeImages } from '../helpers/remove-images.js';

/**
 * How this engine's BuildKit finds `FROM` images, and the tool's answer to what it cannot find:
 * the `images` map applied to the Dockerfile. (Every missing base named in one error before any
 * build: test/integration/docker-buildkit-inputs.test.ts, through the CLI.)
 */
let rig: BuildkitRig;
let local: string;
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
});
