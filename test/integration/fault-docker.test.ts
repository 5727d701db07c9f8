import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { BuildRig } from '../helpers/build-rig.js';
import { runCliToEnd } from '../helpers/cli-process.js';
import { freePort } from '../helpers/free-port.js';

/** The Docker Engine going wrong: each failure is one clear paragraph, exit 1, and no release. */
const rigs: BuildRig[] = [];
after(() => rigs.forEach((r) => r.cleanup()));

function rig(dockerfile?: string): BuildRig {
  const r = BuildRig.create([{ name: 'api', ...(dockerfile !== undefined ? { dockerfile } : {}) }]);
  rigs.push(r);
  return r;
}

test('a daemon socket that does not exist is named, with a hint', async () => {
  const r = rig();
  const o = await runCliToEnd(r.buildArgs(), { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
  assert.equal(o.code, 1, o.stderr);
  assert.equal(
    o.stderr.trim().split('\n').at(-1),
    'error: cannot reach the Docker daemon at DOCKER_HOST=unix:///nonexistent.sock (ENOENT) (hint: start the Docker daemon, or set DOCKER_HOST to where it listens)',
  );
  assert.equal(existsSync(r.releasePath), false);
});

test('a tcp daemon address where nothing listens is named', async () => {
  const r = rig();
  const port = await freePort();
  const o = await runCliToEnd(r.buildArgs(), { env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } });
  assert.equal(o.code, 1, o.stderr);
  assert.match(
    o.stderr,
    new RegExp(
      `cannot reach the Docker daemon at DOCKER_HOST=tcp://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`,
    ),
  );
  assert.equal(existsSync(r.releasePath), false);
});

test('a base image that exists nowhere names the image and the service', async () => {
  const missing = `127.0.0.1:1/tci-missing-${process.pid}/nothing:1`;
  const r = rig(`FROM ${missing}\nCMD ["true"]\n`);
  const o = await runCliToEnd(r.buildArgs());
  assert.equal(o.code, 1, o.stderr);
  assert.match(
    o.stderr,
    new RegExp(
      `build.yml:5: repositories\\[0\\]\\.service: service "api" needs the base image ${missing.replace(/\./g, '\\.')}, which is not on the engine and could not be pulled: registry 127\\.0\\.0\\.1:1 could not be reached \\(ECONNREFUSED\\)`,
    ),
  );
  assert.doesNotMatch(o.stderr, /^\s+at |internal error/m);
  assert.equal(existsSync(r.releasePath), false);
});

test('a failing RUN step names the service, the step, the last log lines and the log file', async () => {
  const r = rig(`FROM busybox\nRUN echo about to fail-${process.pid} && exit 3\n`);
  const o = await runCliToEnd(r.buildArgs());
  assert.equal(o.code, 1, o.stderr);
  assert.match(o.stderr, /api/);
  assert.match(o.stderr, new RegExp(`about to fail-${process.pid}`));
  assert.match(o.stderr, new RegExp(`${r.baseDir.replace(/\//g, '\\/')}/logs/api/build\\.log`));
  assert.equal(existsSync(r.releasePath), false);
  // The failed build left nothing that looks done: the next run builds again.
  const again = await runCliToEnd(r.buildArgs());
  assert.ok(again.events.some((e) => e.kind === 'plan-decided' && e['action'] === 'build'));
});
