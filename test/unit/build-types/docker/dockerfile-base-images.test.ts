import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerfileBaseImages } from '../../../../src/build-types/docker/dockerfile-base-images.js';

test('one FROM', () => {
  assert.deepEqual(dockerfileBaseImages('FROM node:20\nRUN true\n'), { baseImages: ['node:20'], stages: [] });
});

test('multi-stage: stage references and scratch are not base images; duplicates once', () => {
  const text = [
    'FROM golang:1.22 AS Build',
    'RUN go build',
    'FROM build AS test',
    'FROM scratch',
    'COPY --from=build /app /app',
    'FROM golang:1.22',
    'from alpine:3 as final',
  ].join('\n');
  assert.deepEqual(dockerfileBaseImages(text), {
    baseImages: ['golang:1.22', 'alpine:3'],
    stages: ['build', 'test', 'final'],
  });
});

test('ARG defaults before FROM are substituted; build args override them', () => {
  const text = [
    'ARG REGISTRY=registry.example.com',
    'ARG VERSION="20"',
    'ARG FLAVOR',
    'FROM ${REGISTRY}/node:$VERSION${FLAVOR:+-}${FLAVOR}',
    'FROM ${MIRROR:-docker.io}/busybox',
    'ARG VERSION=99',
    'FROM base:$VERSION',
  ].join('\n');
  assert.deepEqual(dockerfileBaseImages(text).baseImages, [
    'registry.example.com/node:20',
    'docker.io/busybox',
    'base:20',
  ]);
  assert.deepEqual(
    dockerfileBaseImages(text, { buildArgs: { VERSION: '18', FLAVOR: 'slim', MIRROR: 'x' } }).baseImages,
    ['registry.example.com/node:18-slim', 'docker.io/busybox', 'base:18'],
  );
});

test('--platform flags are skipped', () => {
  const text = 'FROM --platform=$BUILDPLATFORM node:20 AS build\nFROM --platform=linux/amd64 busybox\n';
  assert.deepEqual(dockerfileBaseImages(text), { baseImages: ['node:20', 'busybox'], stages: ['build'] });
});

test('comments, blank lines and line continuations', () => {
  const text = [
    '# syntax and other comments',
    '  # indented comment FROM nope',
    '',
    'FROM \\',
    '  # a comment inside a continuation',
    '',
    '  node:20 \\',
    '  AS base',
    'RUN echo "FROM fake:1"',
    '#FROM commented:1',
  ].join('\n');
  assert.deepEqual(dockerfileBaseImages(text), { baseImages: ['node:20'], stages: ['base'] });
});

test('the escape parser directive changes the continuation character', () => {
  const text = '# escape=`\nFROM `\n  mcr.example.com/windows:1 AS w\nRUN dir c:\\\nFROM other:2\n';
  assert.deepEqual(dockerfileBaseImages(text).baseImages, ['mcr.example.com/windows:1', 'other:2']);
});

test('with a target, stages after it do not count', () => {
  const text = 'FROM a:1 AS one\nFROM b:1 AS two\nFROM c:1 AS three\n';
  assert.deepEqual(dockerfileBaseImages(text, { target: 'TWO' }).baseImages, ['a:1', 'b:1']);
  assert.deepEqual(dockerfileBaseImages(text, { target: 'nope' }).baseImages, ['a:1', 'b:1', 'c:1']);
});

test('CRLF line endings', () => {
  assert.deepEqual(dockerfileBaseImages('FROM a:1 \\\r\n AS x\r\nFROM x\r\n').baseImages, ['a:1']);
});

test('neededOnly: only the stages the target needs, with the images COPY --from and RUN --mount from= read', () => {
  const text = [
    'FROM missing:1 AS unused',
    'RUN exit 1',
    'FROM golang:1.22 AS build',
    'RUN --mount=type=bind,from=tools:1,source=/t,target=/t /t/build',
    'FROM busybox AS final',
    'COPY --from=build /app /app',
    'COPY --from=0 /x /x',
    'COPY --from=nginx:1 /etc/nginx /etc/nginx',
    'FROM unused AS later',
  ].join('\n');
  assert.deepEqual(dockerfileBaseImages(text, { target: 'final', neededOnly: true }), {
    baseImages: ['missing:1', 'golang:1.22', 'tools:1', 'busybox', 'nginx:1'],
    stages: ['unused', 'build', 'final'],
  });
  const withoutIndex = text.replace('COPY --from=0 /x /x\n', '');
  assert.deepEqual(dockerfileBaseImages(withoutIndex, { target: 'final', neededOnly: true }).baseImages, [
    'golang:1.22',
    'tools:1',
    'busybox',
    'nginx:1',
  ]);
  // The legacy builder's rule: every FROM up to the target.
  assert.deepEqual(dockerfileBaseImages(withoutIndex, { target: 'final' }).baseImages, [
    'missing:1',
    'golang:1.22',
    'busybox',
  ]);
});
