import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { BuildRig } from '../helpers/build-rig.js';
import { distinctBusyboxImage } from '../helpers/base-images.js';
import { runCliToEnd, type CliOutcome, type JsonEvent } from '../helpers/cli-process.js';
import { engineRigs } from '../helpers/engine-rigs.js';
import { FIRST_ENGINE, imageIdOn, removeImagesOn, SECOND_ENGINE } from '../helpers/second-engine.js';

/** Base images and layer caches across two real engines. */
const rigs = engineRigs('engimg', { registry: true });
const { rig } = rigs;
const baseImages: string[] = [];
after(() => {
  for (const ref of baseImages) {
    // The repository, not what comes before the first colon: for `127.0.0.1:5000/…` that is
    // the registry's address, and every image of every registry on loopback would go, those of
    // other test runs on the shared engines included (their children then stop the removal).
    const repository = ref.slice(0, ref.lastIndexOf(':'));
    removeImagesOn(FIRST_ENGINE, repository);
    removeImagesOn(SECOND_ENGINE, repository);
  }
});

const engineChosen = (o: { events: JsonEvent[] }, step = 'build') =>
  o.events.filter((e) => e.kind === 'engine-chosen' && e['step'] === step);

function assertSucceeded(o: CliOutcome): void {
  assert.equal(o.code, 0, o.stderr);
}

describe('base images on the engines', () => {
  test('a base image from a registry is pulled by digest onto an engine that lacks it', async () => {
    const base = `${rigs.registry.host}/tci-base-${process.pid}/busybox:1`;
    baseImages.push(base);
    distinctBusyboxImage(base);
    execFileSync('docker', ['push', '-q', base], { stdio: 'ignore' });
    assert.equal(imageIdOn(SECOND_ENGINE, base), undefined);

    const r = rig(4, (name) => `FROM ${base}\nRUN echo ${name}-${process.pid} > /id && sleep 1\n`);
    const o = await runCliToEnd(
      r.buildArgs('--engine', `${FIRST_ENGINE},concurrency=1`, '--engine', `${SECOND_ENGINE},concurrency=1`),
    );
    assertSucceeded(o);
    const onSecond = engineChosen(o).filter((e) => e['engine'] === SECOND_ENGINE);
    assert.ok(onSecond.length >= 1, 'the second engine took work once the first was busy');
    assert.equal(
      imageIdOn(SECOND_ENGINE, base),
      imageIdOn(FIRST_ENGINE, base),
      'the very image the key names',
    );
    // The first engine held the base image: it was preferred while it had a free slot.
    assert.equal(engineChosen(o)[0]?.['engine'], FIRST_ENGINE);
    assert.equal(engineChosen(o)[0]?.['reason'], 'holds its base images');
  });

  test('a base image that exists only in the first engine keeps its services there', async () => {
    const base = `tci-localbase-${process.pid}/busybox:1`;
    baseImages.push(base);
    distinctBusyboxImage(base);
    const r = rig(3, (name) => `FROM ${base}\nRUN echo ${name}-${process.pid} > /id\n`);
    const o = await runCliToEnd(
      r.buildArgs('--engine', `${FIRST_ENGINE},concurrency=1`, '--engine', SECOND_ENGINE),
    );
    assertSucceeded(o);
    assert.deepEqual(
      engineChosen(o).map((e) => e['engine']),
      [FIRST_ENGINE, FIRST_ENGINE, FIRST_ENGINE],
    );
    assert.equal(imageIdOn(SECOND_ENGINE, base), undefined, 'nothing was copied to the second engine');
    const release = r.release();
    for (const repo of release.build.repositories) {
      assert.equal((repo['service'] as { engine?: string }).engine, FIRST_ENGINE);
    }
  });
});

describe('the previous release as a layer cache', () => {
  /**
   * One service whose expensive step stands before the copy of a file that changes, built and
   * pushed on the first engine with `builder`, the file then changed; `args` builds it again.
   */
  async function pushedOnFirst(builder: 'buildkit' | 'legacy') {
    const r = rig(
      1,
      (name) =>
        `FROM busybox\nRUN echo expensive-${name}-${process.pid}-${Date.now()} > /expensive\nCOPY app.txt /app.txt\n`,
    );
    const config = join(r.dir, 'builder.yml');
    writeFileSync(config, `docker:\n  builder: ${builder}\n`);
    const args = (...extra: string[]) => r.buildArgs('--build-config', config, '--push', ...extra);
    const repo = r.repos.get('svc-0');
    assert.ok(repo !== undefined);
    repo.commit({ 'app.txt': 'version 1\n' });
    assertSucceeded(await runCliToEnd(args('--engine', FIRST_ENGINE)));
    const previous = imageOf(r);
    repo.commit({ 'app.txt': 'version 2\n' });
    return { r, previous, args };
  }
  const imageOf = (r: BuildRig) =>
    (r.release().build.repositories[0]?.['service'] as { dockerImage: string }).dockerImage;

  test('BuildKit: a fresh engine imports the pushed image’s inline cache; only the steps after the change run', async () => {
    const { r, previous, args } = await pushedOnFirst('buildkit');
    const o = await runCliToEnd(args('--engine', SECOND_ENGINE));
    assertSucceeded(o);
    const log = readFileSync(`${r.baseDir}/logs/svc-0/build.log`, 'utf8');
    assert.ok(log.includes(`importing cache manifest from ${previous}`), log);
    const step = (instruction: RegExp) =>
      log
        .split('\n')
        .find((l) => instruction.test(l))
        ?.split(' ')[0];
    const expensive = step(/^#\d+ \[2\/3\] RUN echo expensive-/);
    const copy = step(/^#\d+ \[3\/3\] COPY app\.txt \/app\.txt/);
    assert.ok(log.includes(`\n${expensive} CACHED\n`), `the expensive step ran again:\n${log}`);
    assert.ok(copy !== undefined && !log.includes(`\n${copy} CACHED\n`), 'the changed file is copied anew');
    assert.ok(
      !o.events.some((e) => e.kind === 'log-line' && /^pulling /.test(String(e['line']))),
      'BuildKit reads the cache from the registry: nothing is pulled first',
    );
    assert.notEqual(imageOf(r), previous);
  });

  test('legacy: a fresh engine pulls the previous image and reuses its layers instead of running the steps again', async () => {
    const { r, previous, args } = await pushedOnFirst('legacy');
    const o = await runCliToEnd(args('--engine', SECOND_ENGINE));
    assertSucceeded(o);
    assert.ok(
      o.events.some(
        (e) => e.kind === 'log-line' && e['line'] === `pulling ${previous} to reuse its layers (cache-from)`,
      ),
    );
    const log = readFileSync(`${r.baseDir}/logs/svc-0/build.log`, 'utf8');
    assert.match(log, /RUN echo expensive-[^\n]*\n ---> Using cache/, log);
    assert.match(log, /COPY app\.txt \/app\.txt\n ---> [0-9a-f]+\n/, 'the changed file is copied anew');
    assert.notEqual(imageOf(r), previous);
  });
});
