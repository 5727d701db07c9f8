import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectDockerEngine } from '../../src/builder/engines/connect-docker-engine.js';
import type { RunContainerOptions } from '../../src/builder/engines/docker-engine.js';
import { InterruptedError, UserError } from '../../src/core/user-error.js';
import type { ImageRef } from '../../src/inputs/types.js';
import { distinctBusyboxImage } from '../helpers/base-images.js';

const engine = connectDockerEngine();
const BASE = `tci-test-${process.pid}/engine:1`;
const root = mkdtempSync(join(tmpdir(), 'tci-engine-'));

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function runOpts(
  cmd: string[],
  extra: Partial<RunContainerOptions> = {},
): RunContainerOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    image: BASE,
    cmd,
    logFile: join(root, 'logs', `run-${Math.random().toString(36).slice(2)}.log`),
    onLine: (l) => lines.push(l),
    signal: new AbortController().signal,
    label: 'service "api": compile',
    lines,
    ...extra,
  };
}

before(() => {
  distinctBusyboxImage(BASE);
});

after(() => {
  execFileSync('docker', ['rmi', '-f', BASE, `${BASE}-tagged`], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
});

test('imageInfo, tag and removeImage', async () => {
  const info = await engine.imageInfo(BASE);
  assert.equal(info?.id, docker('image', 'inspect', '-f', '{{.Id}}', BASE));
  const tagged = `${BASE}-tagged` as ImageRef;
  await engine.tag(BASE, tagged);
  assert.equal((await engine.imageInfo(tagged))?.id, info?.id);
  await engine.removeImage(tagged);
  assert.equal(await engine.imageExists(tagged), false);
  await engine.removeImage(tagged);
  assert.equal(await engine.imageExists(BASE), true);
  assert.equal(await engine.imageInfo(`tci-test-${process.pid}/never:1`), undefined);
});

test('a container runs with env, user, working dir and copied folders; output goes to the log', async () => {
  const dir = mkdtempSync(join(root, 'data-'));
  await writeFile(join(dir, 'in.txt'), 'from the host\n');
  const opts = runOpts(
    [
      'sh',
      '-c',
      'echo "$GREETING $(id -u) $(pwd)"; cat /data/in.txt; echo to-stderr >&2; echo made > /data/out.txt',
    ],
    {
      env: { GREETING: 'hello' },
      user: '1234',
      workingDir: '/tmp',
      copyIn: [{ hostDir: dir, containerPath: '/data', uid: 1234, gid: 1234 }],
      copyOut: [{ containerPath: '/data', hostDir: dir }],
    },
  );
  await engine.runContainer(opts);
  // stdout and stderr are separate pipes in the container: their relative order is not kept.
  assert.deepEqual([...opts.lines].sort(), ['from the host', 'hello 1234 /tmp', 'to-stderr']);
  const log = (await readFile(opts.logFile, 'utf8')).split('\n').sort();
  assert.deepEqual(log, ['', 'from the host', 'hello 1234 /tmp', 'to-stderr']);
  assert.equal(await readFile(join(dir, 'out.txt'), 'utf8'), 'made\n');
  assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
});

test('a failing command names the work, the exit status, the log and the last lines', async () => {
  const opts = runOpts(['sh', '-c', 'echo compiling; echo broken >&2; exit 7']);
  await assert.rejects(
    () => engine.runContainer(opts),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(
        e.message,
        `service "api": compile failed: exit status 7 (hint: full log: ${opts.logFile})`,
      );
      assert.deepEqual([...e.details].sort(), ['broken', 'compiling']);
      return true;
    },
  );
  assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
});

test('an abort kills and removes the container', async () => {
  const controller = new AbortController();
  const opts = runOpts(['sh', '-c', 'echo started; sleep 60'], { signal: controller.signal });
  opts.onLine = (l) => {
    if (l === 'started') controller.abort();
  };
  await assert.rejects(() => engine.runContainer(opts), InterruptedError);
  assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
});

test('removeLater: a container that succeeded is removed by the removal handed over; one that failed, before the run returns', async () => {
  const removals: Array<Promise<void>> = [];
  await engine.runContainer(runOpts(['true'], { removeLater: (r) => void removals.push(r) }));
  assert.equal(removals.length, 1);
  await Promise.all(removals);
  assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
  await assert.rejects(
    () => engine.runContainer(runOpts(['false'], { removeLater: (r) => void removals.push(r) })),
    /exit status 1/,
  );
  assert.equal(removals.length, 1);
  assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
});

test('a missing image is a UserError naming the work', async () => {
  await assert.rejects(
    () => engine.runContainer(runOpts(['true'], { image: `tci-test-${process.pid}/none:1` })),
    {
      name: 'UserError',
      message: new RegExp(`^service "api": compile failed: No such image: tci-test-${process.pid}/none:1`),
    },
  );
});

test('copyIn puts folders into the container with an owner; copyOut brings a folder back', async () => {
  const app = join(root, 'copy', 'app');
  const ro = join(root, 'copy', 'tool');
  mkdirSync(app, { recursive: true });
  mkdirSync(ro, { recursive: true });
  writeFileSync(join(app, 'in.txt'), 'from the host\n');
  writeFileSync(join(ro, 'run'), '#!/bin/sh\necho "tool ran as $(id -u)"\n');
  // Modes as a restrictive umask leaves them: the container still sees 0644 and 0755.
  chmodSync(join(app, 'in.txt'), 0o600);
  chmodSync(join(ro, 'run'), 0o700);
  chmodSync(ro, 0o700);
  const opts = runOpts(
    [
      'sh',
      '-c',
      'stat -c "%a %u" in.txt /tool/run && /tool/run > out.txt && mkdir -p sub && ln -s ../out.txt sub/link',
    ],
    {
      user: '1000:1000',
      workingDir: '/app',
      copyIn: [
        { hostDir: app, containerPath: '/app', uid: 1000, gid: 1000 },
        { hostDir: ro, containerPath: '/tool', uid: 0, gid: 0 },
      ],
      copyOut: [{ containerPath: '/app', hostDir: app }],
    },
  );
  await engine.runContainer(opts);
  assert.deepEqual(opts.lines, ['644 1000', '755 0']);
  assert.equal(readFileSync(join(app, 'out.txt'), 'utf8'), 'tool ran as 1000\n');
  assert.equal(readFileSync(join(app, 'in.txt'), 'utf8'), 'from the host\n');
  assert.deepEqual(readdirSync(join(app, 'sub')), ['link']);
  assert.ok(statSync(join(app, 'sub', 'link')).isFile(), 'the symlink points at out.txt');
  assert.deepEqual(readdirSync(join(root, 'copy')).sort(), ['app', 'tool'], 'no temporary folder left');
  assert.equal(docker('ps', '-aq', '--filter', `ancestor=${BASE}`), '');
});

test('a failed run copies nothing back', async () => {
  const app = join(root, 'failed', 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'keep.txt'), 'kept');
  const opts = runOpts(['sh', '-c', 'rm keep.txt; exit 4'], {
    workingDir: '/app',
    copyIn: [{ hostDir: app, containerPath: '/app', uid: 0, gid: 0 }],
    copyOut: [{ containerPath: '/app', hostDir: app }],
  });
  await assert.rejects(() => engine.runContainer(opts), /exit status 4/);
  assert.deepEqual(readdirSync(app), ['keep.txt']);
});

test('exportImage and loadImage; unreachable says where it looked', async () => {
  const exported = await engine.exportImage(BASE);
  const tagged = `${BASE}-reloaded`;
  const id = docker('image', 'inspect', '-f', '{{.Id}}', BASE);
  const chunks: Buffer[] = [];
  for await (const c of exported) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).includes(Buffer.from('manifest.json')));
  assert.equal(await engine.unreachable(), undefined);
  const dead = connectDockerEngine({ DOCKER_HOST: `unix://${join(root, 'no-daemon.sock')}` });
  assert.match(
    (await dead.unreachable()) ?? '',
    new RegExp(`^cannot reach the Docker daemon at DOCKER_HOST=unix://.*no-daemon\\.sock \\(ENOENT\\)$`),
  );
  const { Readable } = await import('node:stream');
  await assert.rejects(
    () => engine.loadImage(Readable.from([Buffer.from('not a tar archive at all')]), 'loading junk'),
    { name: 'UserError', message: /^loading junk failed: / },
  );
  assert.equal(await engine.imageExists(tagged), false);
  assert.ok(id.startsWith('sha256:'));
});

test('a step that replaces a copied-out folder by a symbolic link fails; nothing of the host is read', async () => {
  const app = join(root, 'hostile', 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'keep.txt'), 'kept');
  const opts = runOpts(['sh', '-c', 'cd / && rm -rf /app && ln -s /etc /app'], {
    copyIn: [{ hostDir: app, containerPath: '/app', uid: 0, gid: 0 }],
    copyOut: [{ containerPath: '/app', hostDir: app }],
  });
  await assert.rejects(() => engine.runContainer(opts), {
    name: 'UserError',
    message:
      /^service "api": compile: (cannot copy \/app out of the container: |\/app is no longer a folder)/,
  });
  assert.deepEqual(readdirSync(app), ['keep.txt']);
  assert.deepEqual(readdirSync(join(root, 'hostile')), ['app']);
});
