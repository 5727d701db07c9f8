import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { distinctBusyboxImage, ensureBusyboxImage } from '../helpers/base-images.js';
import { BuildRig, listFiles, processesEnded } from '../helpers/build-rig.js';
import { CliProcess, runCliToEnd, type CliOutcome, type JsonEvent } from '../helpers/cli-process.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { removeImages } from '../helpers/remove-images.js';

/**
 * `docker` services on the engine's BuildKit, end to end through the CLI: what Dockerfiles
 * written for BuildKit use (cache and secret mounts, COPY --chmod, stages a target does not
 * need), build secrets from the build config, the images map on FROM lines, every missing
 * base image in one error, the legacy builder on request, and an interrupted build.
 */
const rigs: BuildRig[] = [];
let registry: TestRegistry;
let busybox: string;
let n = 0;
before(async () => {
  busybox = ensureBusyboxImage();
  registry = await startRegistry();
});
after(async () => {
  for (const r of rigs) r.cleanup();
  await registry.stop();
});

interface Service {
  name: string;
  /** `FROM busybox` (every one) means the offline busybox image. */
  dockerfile: string;
  files?: Record<string, string>;
  /** More service fields for build.yml, as YAML flow text: `secrets: [token]`. */
  fields?: string;
}

/** A rig of docker services (with fields of their own) and a build config with `extra` lines. */
function rig(services: Service[], extra = ''): BuildRig {
  const prefix = `tci-bk2-${process.pid}-${++n}/`;
  const r = BuildRig.create(
    services.map((s) => ({
      name: s.name,
      dockerfile: s.dockerfile.replace(/^FROM busybox\b/gm, `FROM ${busybox}`),
    })),
    { prefix, buildConfig: `docker:\n  repositoryPrefix: "${prefix}"\n${extra}` },
  );
  rigs.push(r);
  const entries = services.map((s) => {
    if (s.files !== undefined) r.repos.get(s.name)?.commit(s.files);
    const fields = s.fields !== undefined ? `, ${s.fields}` : '';
    return `  - name: ${s.name}\n    kind: service\n    source: ${JSON.stringify(r.repos.get(s.name)?.url('main'))}\n    service: {buildType: docker${fields}}\n`;
  });
  writeFileSync(join(r.specDir, 'build.yml'), `repositories:\n${entries.join('')}`);
  return r;
}

function succeeded(o: CliOutcome): CliOutcome {
  assert.equal(o.code, 0, o.stderr);
  return o;
}

const ofKind = (o: { events: JsonEvent[] }, kind: string) => o.events.filter((e) => e.kind === kind);
const actions = (o: CliOutcome) =>
  ofKind(o, 'plan-decided').map((e) => `${String(e['service'])}: ${String(e['action'])}`);
const lines = (o: CliOutcome) => ofKind(o, 'log-line').map((e) => String(e['line']));

function imageOf(r: BuildRig, service: string): string {
  const entry = r.release().build.repositories.find((x) => x['name'] === service);
  return (entry?.['service'] as { dockerImage: string }).dockerImage;
}

function run(image: string, ...cmd: string[]): string {
  return execFileSync('docker', ['run', '--rm', '--network', 'none', image, ...cmd], { encoding: 'utf8' });
}

/** `#5` of the step whose line matches, and whether BuildKit took it from its cache. */
function stepCached(o: CliOutcome, instruction: RegExp): boolean {
  const all = lines(o);
  const id = all.find((l) => instruction.test(l))?.split(' ')[0];
  assert.ok(id !== undefined, `no step ${String(instruction)}:\n${all.join('\n')}`);
  return all.includes(`${id} CACHED`);
}

describe('Dockerfiles written for BuildKit', () => {
  test('RUN --mount=type=cache: a build after a source change finds what the last one left', async () => {
    const id = `tci-cache-${randomUUID()}`;
    const r = rig([
      {
        name: 'app',
        dockerfile: [
          'FROM busybox',
          'COPY src.txt /src.txt',
          `RUN --mount=type=cache,id=${id},target=/cache cp /cache/log /before 2>/dev/null || touch /before; cat /src.txt >> /cache/log`,
          '',
        ].join('\n'),
        files: { 'src.txt': 'version 1\n' },
      },
    ]);
    succeeded(await runCliToEnd(r.buildArgs()));
    assert.equal(run(imageOf(r, 'app'), 'cat', '/before'), '');
    r.repos.get('app')?.commit({ 'src.txt': 'version 2\n' });
    const second = succeeded(await runCliToEnd(r.buildArgs()));
    assert.deepEqual(actions(second), ['app: build']);
    assert.equal(
      run(imageOf(r, 'app'), 'cat', '/before'),
      'version 1\n',
      'the cache held the first build’s line',
    );
  });

  test('COPY --chmod, and stages the target does not need are neither built nor looked up', async () => {
    const missing = `tci-missing-${process.pid}/nowhere:1`;
    const r = rig([
      {
        name: 'app',
        dockerfile: [
          'FROM busybox AS tools',
          'COPY --chmod=0750 tool.sh /tool.sh',
          `FROM ${missing} AS from-nowhere`,
          'RUN exit 1',
          'FROM busybox AS broken',
          'RUN echo this stage would fail && exit 7',
          'FROM busybox',
          'COPY --from=tools /tool.sh /tool.sh',
          'CMD ["/tool.sh"]',
          '',
        ].join('\n'),
        files: { 'tool.sh': '#!/bin/sh\necho tool ran\n' },
      },
    ]);
    const o = succeeded(await runCliToEnd(r.buildArgs()));
    const image = imageOf(r, 'app');
    assert.equal(run(image, 'stat', '-c', '%a', '/tool.sh'), '750\n');
    assert.equal(run(image), 'tool ran\n');
    assert.ok(!lines(o).some((l) => l.includes('this stage would fail')), 'the unused stage ran');
    assert.ok(
      !o.stderr.includes(missing) && !o.stdout.includes(missing),
      'the unused base image was asked for',
    );
  });
});

describe('build secrets', () => {
  const VALUE = `tci-secret-${randomUUID()}`;
  const HASH = createHash('sha256').update(VALUE).digest('hex');
  let r: BuildRig;
  let first: CliOutcome;

  /** Fails when the value, or its base64 form, is in `data`. */
  function noValue(where: string, data: string | Buffer): void {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    for (const form of [VALUE, Buffer.from(VALUE).toString('base64')])
      assert.equal(buf.includes(form), false, `the secret is in ${where}`);
  }

  before(async () => {
    r = rig(
      [
        {
          name: 'app',
          dockerfile: [
            'FROM busybox',
            `RUN --mount=type=secret,id=npm-token test "$(sha256sum < /run/secrets/npm-token | cut -d' ' -f1)" = ${HASH} && echo checked > /checked`,
            'RUN --mount=type=secret,id=npm-token echo "printed: $(cat /run/secrets/npm-token)"',
            '',
          ].join('\n'),
          fields: 'secrets: [npm-token]',
        },
      ],
      'secrets:\n  npm-token: !env TCI_TEST_NPM_TOKEN\n',
    );
    first = await runCliToEnd(r.buildArgs(), { env: { TCI_TEST_NPM_TOKEN: VALUE } });
  });

  test('a secret from !env is mounted by id and checked inside the build by its hash', () => {
    succeeded(first);
    assert.equal(run(imageOf(r, 'app'), 'cat', '/checked'), 'checked\n');
    assert.ok(
      lines(first).some((l) => / printed: \*\*\*$/.test(l)),
      'a step printing it shows *** in its line',
    );
  });

  test('its value is in no image layer, history, config, release, event, log or file of the base dir', () => {
    const image = imageOf(r, 'app');
    noValue('docker save', execFileSync('docker', ['save', image], { maxBuffer: 256e6 }));
    noValue('docker history', execFileSync('docker', ['history', '--no-trunc', image], { encoding: 'utf8' }));
    noValue(
      'docker image inspect',
      execFileSync('docker', ['image', 'inspect', image], { encoding: 'utf8' }),
    );
    noValue('the release', readFileSync(r.releasePath));
    noValue('the json events', first.stdout);
    noValue('standard error', first.stderr);
    for (const file of listFiles(r.baseDir))
      noValue(`the base dir's ${file}`, readFileSync(join(r.baseDir, file)));
    assert.ok(
      listFiles(r.baseDir).some((f) => f.endsWith('build.log')),
      'the step log was looked at',
    );
  });

  test('a new value changes nothing: the same key, and when built again, the same image', async () => {
    const env = { TCI_TEST_NPM_TOKEN: `tci-secret-${randomUUID()}` };
    const before = imageOf(r, 'app');
    const idBefore = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', before], {
      encoding: 'utf8',
    });
    const again = succeeded(await runCliToEnd(r.buildArgs(), { env }));
    assert.deepEqual(actions(again), ['app: skip']);
    assert.equal(imageOf(r, 'app'), before);
    // Built again (its image gone): every step is BuildKit's cached one, the hash check did not
    // run with the new value, and the image is the very same.
    execFileSync('docker', ['rmi', before], { stdio: 'ignore' });
    const rebuilt = succeeded(await runCliToEnd(r.buildArgs(), { env }));
    assert.deepEqual(actions(rebuilt), ['app: build']);
    assert.ok(stepCached(rebuilt, /\[2\/3\] RUN --mount=type=secret/));
    assert.ok(stepCached(rebuilt, /\[3\/3\] RUN --mount=type=secret/));
    const idAfter = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', before], {
      encoding: 'utf8',
    });
    assert.equal(idAfter, idBefore);
  });
});

describe('base images', () => {
  test('every missing base image of every service is named in one error, before any build', async () => {
    // In a registry that answers: it has neither.
    const one = `${registry.host}/tci-missing-${process.pid}/one:1`;
    const two = `${registry.host}/tci-missing-${process.pid}/two:1`;
    const r = rig([
      { name: 'api', dockerfile: `FROM ${one} AS build\nFROM busybox\nCOPY --from=build /a /a\n` },
      { name: 'web', dockerfile: `FROM busybox\nCOPY --from=${two} /b /b\n` },
      { name: 'ok', dockerfile: 'FROM busybox\nRUN echo fine\n' },
    ]);
    const o = await runCliToEnd(r.buildArgs());
    assert.equal(o.code, 1, o.stderr);
    const file = join(r.specDir, 'build.yml');
    const reason = 'which is neither on the engine nor in its registry';
    const hint = ' (hint: load or push it, or map it to an image you have with images: in the build config)';
    assert.deepEqual(
      o.stderr.split('\n').filter((l) => l.startsWith('error: ')),
      [
        `error: ${file}:5: repositories[0].service: service "api" needs the base image ${one}, ${reason}${hint}`,
        `error: ${file}:9: repositories[1].service: service "web" needs the base image ${two}, ${reason}${hint}`,
      ],
    );
    assert.deepEqual(ofKind(o, 'step-started'), [], 'no build started');
    assert.equal(existsSync(r.releasePath), false);
  });

  test('the images map replaces a digest-pinned FROM: a mirror serves the same digest', async () => {
    // A mirror on the test registry holds the image; the Dockerfile pins it by digest under its
    // Docker Hub name, which cannot be reached here.
    const mirror = `${registry.host}/mirror-${process.pid}/node:20`;
    distinctBusyboxImage(mirror);
    const pushed = execFileSync('docker', ['push', mirror], { encoding: 'utf8' });
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
    assert.ok(digest !== undefined, pushed);
    removeImages(mirror);
    const r = rig(
      [{ name: 'app', dockerfile: `FROM node:20@${digest} AS base\nRUN echo mirrored > /from\n` }],
      `images:\n  "node:20": ${mirror}\n`,
    );
    const o = succeeded(await runCliToEnd(r.buildArgs()));
    assert.equal(run(imageOf(r, 'app'), 'cat', '/from'), 'mirrored\n');
    const plan = ofKind(o, 'plan-decided')[0];
    assert.ok(plan !== undefined);
    const inputs = JSON.parse(
      readFileSync(join(r.baseDir, 'services', 'app', 'last-build.json'), 'utf8'),
    ) as {
      inputs: { baseImages: Record<string, string> };
    };
    assert.deepEqual(inputs.inputs.baseImages, { [`${mirror}@${digest}`]: digest });
    removeImages(`${registry.host}/mirror-${process.pid}/*`);
  });
});

describe('the legacy builder', () => {
  test('builder: legacy on a service, or docker.builder: legacy in the build config, still builds', async () => {
    const r = rig([
      { name: 'old', dockerfile: 'FROM busybox\nRUN echo legacy > /by\n', fields: 'builder: legacy' },
      { name: 'new', dockerfile: 'FROM busybox\nRUN echo buildkit > /by\n' },
    ]);
    const o = succeeded(await runCliToEnd(r.buildArgs()));
    const of = (service: string) =>
      ofKind(o, 'log-line')
        .filter((e) => e['service'] === service)
        .map((e) => String(e['line']));
    assert.ok(
      of('old').some((l) => /^Step 1\/2 : FROM /.test(l)),
      of('old').join('\n'),
    );
    assert.ok(
      of('new').some((l) => /^#\d+ \[2\/2\] RUN echo buildkit/.test(l)),
      of('new').join('\n'),
    );
    assert.equal(run(imageOf(r, 'old'), 'cat', '/by'), 'legacy\n');
    assert.equal(run(imageOf(r, 'new'), 'cat', '/by'), 'buildkit\n');

    // The build config's default: the service without a builder of its own changes builder,
    // so its key changes and it is built again, by the legacy builder.
    const legacy = join(r.dir, 'legacy.yml');
    writeFileSync(legacy, 'docker:\n  builder: legacy\n');
    const again = succeeded(await runCliToEnd(r.buildArgs('--build-config', legacy)));
    assert.deepEqual(actions(again), ['old: skip', 'new: build']);
    const changed = ofKind(again, 'plan-decided').find((e) => e['service'] === 'new')?.['changed'];
    assert.deepEqual(changed, ['serviceFields.builder']);
    assert.ok(lines(again).some((l) => /^Step 1\/2 : FROM /.test(l)));
  });
});

describe('an interrupted BuildKit build', () => {
  test('SIGTERM during a RUN step: exit 130, the engine’s solve cancelled, nothing marked done', async () => {
    const marker = `tci-term-${process.pid}-${randomUUID()}`;
    const r = rig([{ name: 'slow', dockerfile: `FROM busybox\nRUN echo ${marker} && sleep 60\n` }]);
    const cli = CliProcess.start(r.buildArgs());
    await cli.waitFor(
      (e) => e.kind === 'log-line' && new RegExp(`^#\\d+ \\d+\\.\\d+ ${marker}$`).test(String(e['line'])),
      'the RUN step’s output',
    );
    cli.kill('SIGTERM');
    const o = await cli.done;
    assert.equal(o.code, 130, o.stderr);
    assert.deepEqual(await processesEnded(marker), [], 'the RUN step outlived the build');
    assert.equal(existsSync(r.releasePath), false);
    assert.equal(existsSync(join(r.baseDir, 'services', 'slow', 'last-build.json')), false);
    assert.equal(existsSync(join(r.baseDir, 'build.lock')), false, 'the lock was left held');
    const plan = await runCliToEnd(r.buildArgs('--dry-run'));
    assert.deepEqual(actions(plan), ['slow: build']);
  });
});
