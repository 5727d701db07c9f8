import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/user-error.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { BuildkitRig } from '../helpers/buildkit-rig.js';
import { removeImages } from '../helpers/remove-images.js';

/**
 * Dockerfiles written for BuildKit, built through the tool's BuildKit modules on the real engine
 * (Docker 20.10's embedded BuildKit, reached through the Engine API with a session).
 */
let busybox: string;
const prefixes: string[] = [];
const rig = async (name: string) => {
  const r = await BuildkitRig.create(name);
  prefixes.push(r.prefix);
  return r;
};
before(() => {
  busybox = ensureBusyboxImage();
});
/** Images a later build's tag left untagged. */
const leftBehind: string[] = [];
after(() => {
  for (const p of prefixes) removeImages(`${p}/*`);
  if (leftBehind.length > 0) execFileSync('docker', ['rmi', '-f', ...leftBehind], { stdio: 'ignore' });
});

describe('a BuildKit build', () => {
  it('keeps a RUN --mount=type=cache folder for the next build after a source change', async () => {
    const r = await rig('cache');
    const cacheId = `tci-bk-${randomUUID()}`;
    const dockerfile = [
      `FROM ${busybox}`,
      'COPY src /src',
      `RUN --mount=type=cache,id=${cacheId},target=/cache cat /src >> /cache/seen && cp /cache/seen /seen`,
      '',
    ].join('\n');
    r.write({ Dockerfile: dockerfile, src: 'first\n' });
    const one = await r.build('app');
    assert.equal(one.error, undefined, String(one.error));
    assert.equal(r.run('app', ['cat', '/seen']), 'first\n');
    // The second build takes the tag: this one is removed by its ID.
    leftBehind.push(
      execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', r.ref('app')], {
        encoding: 'utf8',
      }).trim(),
    );
    r.write({ src: 'second\n' });
    const two = await r.build('app');
    assert.equal(two.error, undefined, String(two.error));
    assert.equal(r.run('app', ['cat', '/seen']), 'first\nsecond\n');
  });

  it('sets modes with COPY --chmod', async () => {
    const r = await rig('chmod');
    r.write({
      Dockerfile: `FROM ${busybox}\nCOPY --chmod=0751 tool /tool\n`,
      tool: '#!/bin/sh\necho tool\n',
    });
    const b = await r.build('app');
    assert.equal(b.error, undefined, String(b.error));
    assert.equal(r.run('app', ['stat', '-c', '%a', '/tool']), '751\n');
    assert.equal(r.run('app', ['/tool']), 'tool\n');
  });

  it('builds only the stages its target needs: an unused stage on a missing image that fails is never touched', async () => {
    const r = await rig('target');
    r.write({
      Dockerfile: [
        'FROM 127.0.0.1:1/tci-no-such-image:1 AS unused',
        'RUN exit 1',
        `FROM ${busybox} AS base`,
        'RUN echo base > /base',
        'FROM base AS final',
        'RUN cat /base > /final',
        'FROM unused AS after-target',
        '',
      ].join('\n'),
    });
    const b = await r.build('app', { target: 'final' });
    assert.equal(b.error, undefined, String(b.error));
    assert.equal(r.run('app', ['cat', '/final']), 'base\n');
    assert.ok(
      !b.lines.some((l) => l.includes('tci-no-such-image') || l.includes('exit 1')),
      b.lines.join('\n'),
    );
  });

  it('decodes the progress into step lines: the instruction, its output, DONE with its time, then CACHED', async () => {
    const r = await rig('lines');
    const word = `hello-${randomUUID()}`;
    r.write({ Dockerfile: `FROM ${busybox}\nRUN echo ${word} && echo to-stderr >&2\n` });
    const one = await r.build('app');
    assert.equal(one.error, undefined, String(one.error));
    const run = one.lines.find((l) => l.endsWith(`[2/2] RUN echo ${word} && echo to-stderr >&2`));
    assert.ok(run, one.lines.join('\n'));
    const n = /^#(\d+) /.exec(run)?.[1] as string;
    const own = one.lines
      .filter((l) => l.startsWith(`#${n} `))
      .map((l) => l.replace(/ \d+\.\d{3} /, ' <t> '));
    assert.deepEqual(own.slice(1, 3).sort(), [`#${n} <t> ${word}`, `#${n} <t> to-stderr`]);
    assert.match(own[3] as string, new RegExp(`^#${n} DONE \\d+\\.\\ds$`));
    assert.equal(r.log(one), one.lines.join('\n') + '\n', 'the log file holds the same lines');

    const two = await r.build('app');
    assert.equal(two.imageId, one.imageId);
    const again = two.lines.find((l) => l.endsWith(`RUN echo ${word} && echo to-stderr >&2`));
    const m = /^#(\d+) /.exec(again ?? '')?.[1];
    assert.ok(two.lines.includes(`#${m} CACHED`), two.lines.join('\n'));
  });

  it('names the failed RUN, its exit status and its last lines', async () => {
    const r = await rig('fail');
    r.write({ Dockerfile: `FROM ${busybox}\nRUN echo first && echo second >&2 && exit 3\n` });
    const b = await r.build('app');
    assert.ok(b.error instanceof UserError, String(b.error));
    assert.equal(
      b.error.problems[0]?.message,
      'service "app": docker build failed: [2/2] RUN echo first && echo second >&2 && exit 3 exited with status 3',
    );
    assert.deepEqual([...b.error.details].sort(), ['first', 'second']);
    assert.equal(b.error.problems[0]?.hint, `full log: ${b.logFile}`);
    assert.ok(
      b.lines.some((l) => /^#\d+ ERROR: executor failed running .*exit code: 3$/.test(l)),
      b.lines.join('\n'),
    );
  });

  it('names the base image it could not resolve', async () => {
    const r = await rig('nobase');
    r.write({ Dockerfile: 'FROM 127.0.0.1:1/tci-no-such-image:1\nRUN true\n' });
    const b = await r.build('app');
    assert.ok(b.error instanceof UserError, String(b.error));
    assert.match(
      b.error.problems[0]?.message ?? '',
      /^service "app": docker build failed: base image 127\.0\.0\.1:1\/tci-no-such-image:1 could not be resolved: .*connection refused/,
    );
  });

  it('with a "# syntax=" frontend the engine cannot fetch, names that image and the Dockerfile', async () => {
    const r = await rig('syntax');
    r.write({ 'docker/app.Dockerfile': `# syntax=docker/dockerfile:1.4\nFROM ${busybox}\nRUN true\n` });
    const b = await r.build('app', { dockerfile: 'docker/app.Dockerfile' });
    assert.ok(b.error instanceof UserError, String(b.error));
    const problem = b.error.problems[0];
    assert.match(
      problem?.message ?? '',
      /^service "app": docker build failed: docker\/app\.Dockerfile names the Dockerfile frontend docker\/dockerfile:1\.4 \(its "# syntax=" line\), which the engine could not fetch: .*registry-1\.docker\.io/,
    );
    assert.match(problem?.hint ?? '', /load the image into the engine/);
  });

  it('says why a heredoc does not parse on this engine', async () => {
    const r = await rig('heredoc');
    r.write({ Dockerfile: `FROM ${busybox}\nRUN <<EOF\necho hi\nEOF\n` });
    const b = await r.build('app');
    assert.ok(b.error instanceof UserError, String(b.error));
    assert.equal(
      b.error.problems[0]?.message,
      'service "app": docker build failed: Dockerfile: dockerfile parse error line 3: unknown instruction: ECHO',
    );
    assert.match(
      b.error.problems[0]?.hint ?? '',
      /heredocs \(<<EOF\), which this engine's built-in Dockerfile frontend does not read/,
    );
  });
});
