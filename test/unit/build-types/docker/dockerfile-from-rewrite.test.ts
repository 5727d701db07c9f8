import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteDockerfileImages } from '../../../../src/build-types/docker/dockerfile-from-rewrite.js';

const digest = `sha256:${'a'.repeat(64)}`;
const other = `sha256:${'b'.repeat(64)}`;

describe('rewriteDockerfileImages', () => {
  it('replaces the images the map names, keeping flags, stage names and everything else', () => {
    const text = [
      '# syntax=docker/dockerfile:1.4',
      'FROM --platform=$BUILDPLATFORM node:20 AS build',
      'RUN --mount=type=cache,target=/root/.npm npm ci',
      'FROM build AS test',
      'FROM docker.io/library/busybox',
      'COPY --from=build /app /app',
      'COPY --chmod=0755 --from=docker.io/library/node:20 /usr/local/bin/node /bin/node',
      'RUN --mount=type=bind,from=tools:1,source=/t,target=/t /t/run',
      '',
    ].join('\n');
    const images = {
      'node:20': 'mirror.example.com/node:20',
      busybox: 'mirror.example.com/busybox:1.36',
      'tools:1': 'mirror.example.com/tools:1',
      'docker/dockerfile:1.4': 'mirror.example.com/dockerfile:1.4',
    };
    const { text: out, rewrites } = rewriteDockerfileImages(text, images);
    assert.equal(
      out,
      [
        '# syntax=mirror.example.com/dockerfile:1.4',
        'FROM --platform=$BUILDPLATFORM mirror.example.com/node:20 AS build',
        'RUN --mount=type=cache,target=/root/.npm npm ci',
        'FROM build AS test',
        'FROM mirror.example.com/busybox:1.36',
        'COPY --from=build /app /app',
        'COPY --chmod=0755 --from=mirror.example.com/node:20 /usr/local/bin/node /bin/node',
        'RUN --mount=type=bind,from=mirror.example.com/tools:1,source=/t,target=/t /t/run',
        '',
      ].join('\n'),
    );
    assert.deepEqual(rewrites, [
      { from: 'docker/dockerfile:1.4', to: 'mirror.example.com/dockerfile:1.4' },
      { from: 'node:20', to: 'mirror.example.com/node:20' },
      { from: 'docker.io/library/busybox', to: 'mirror.example.com/busybox:1.36' },
      { from: 'docker.io/library/node:20', to: 'mirror.example.com/node:20' },
      { from: 'tools:1', to: 'mirror.example.com/tools:1' },
    ]);
  });

  it("replaces a mount's from= value where it stands, not a later copy of the name in the flag", () => {
    const text = 'FROM busybox\nRUN --mount=type=bind,from=alpine,target=/alpine ls /alpine\n';
    assert.equal(
      rewriteDockerfileImages(text, { alpine: 'mirror.example/alpine:3' }).text,
      'FROM busybox\nRUN --mount=type=bind,from=mirror.example/alpine:3,target=/alpine ls /alpine\n',
    );
  });

  it('replaces a digest-pinned FROM by its own key, else by its name:tag keeping the digest', () => {
    const text = `FROM node:20@${digest}\nFROM base@${digest} AS b\nFROM other:1@${other}\n`;
    const out = rewriteDockerfileImages(text, {
      [`base@${digest}`]: 'local/base:1',
      'node:20': 'mirror.example.com/node:20',
      'other:1': `mirror.example.com/other@${digest}`,
    }).text;
    assert.equal(
      out,
      `FROM mirror.example.com/node:20@${digest}\nFROM local/base:1 AS b\nFROM mirror.example.com/other@${digest}\n`,
    );
    // A name without a tag does not stand for a pinned reference.
    assert.equal(
      rewriteDockerfileImages(`FROM node@${digest}\n`, { node: 'x/node' }).text,
      `FROM node@${digest}\n`,
    );
  });

  it('matches a reference written with ARGs after substitution, build args included', () => {
    const text =
      'ARG REGISTRY=docker.io\nARG VERSION=18\nFROM ${REGISTRY}/library/node:${VERSION} AS base\nRUN true\n';
    const images = { 'node:20': 'mirror/node:20', 'node:18': 'mirror/node:18' };
    assert.equal(
      rewriteDockerfileImages(text, images).text,
      'ARG REGISTRY=docker.io\nARG VERSION=18\nFROM mirror/node:18 AS base\nRUN true\n',
    );
    assert.equal(
      rewriteDockerfileImages(text, images, { VERSION: '20' }).text,
      'ARG REGISTRY=docker.io\nARG VERSION=18\nFROM mirror/node:20 AS base\nRUN true\n',
    );
  });

  it('leaves stages, scratch and unmapped images alone, and continued lines in place', () => {
    const text = 'FROM scratch AS s\nFROM \\\n  node:20 \\\n  AS n\nFROM s\nFROM alpine:3\n';
    const { text: out, rewrites } = rewriteDockerfileImages(text, {
      s: 'x',
      scratch: 'y',
      'node:20': 'm/node:20',
    });
    assert.equal(out, 'FROM scratch AS s\nFROM \\\n  m/node:20 \\\n  AS n\nFROM s\nFROM alpine:3\n');
    assert.deepEqual(rewrites, [{ from: 'node:20', to: 'm/node:20' }]);
  });
});
