import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chown, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  runcUnavailable,
  runWithRunc,
  type RuncRunOptions,
} from '../../src/builder/containers/runc-runner.js';
import { InterruptedError, UserError } from '../../src/core/user-error.js';
import type { ImageSource } from '../../src/inputs/oci-types.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { busyboxLayerImage, imageFromDocker, imageFromLayers, tarLayer } from '../helpers/image-source.js';
import { tempDir } from '../helpers/temp-dir.js';

let busybox: ImageSource;
let stateDir: string;

before(async () => {
  busybox = await imageFromDocker(ensureBusyboxImage());
  stateDir = await tempDir('tci-runc-');
});

function runOpts(cmd: string[], extra: Partial<RuncRunOptions> = {}): RuncRunOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    image: busybox,
    cmd,
    logFile: join(stateDir, 'logs', `run-${Math.random().toString(36).slice(2)}.log`),
    onLine: (l) => lines.push(l),
    signal: new AbortController().signal,
    label: 'service "api": compile',
    lines,
    ...extra,
  };
}

/** What runc and the state dir hold once runs are over: no container, no bundle. */
function leftovers(): { containers: string; runs: string[] } {
  const containers = execFileSync('runc', ['--root', join(stateDir, 'runc'), 'list', '-q'], {
    encoding: 'utf8',
  });
  return {
    containers: containers.trim(),
    runs: spawnSync('ls', [join(stateDir, 'runs')], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean),
  };
}

test('a command runs; its stdout and stderr reach the log file and onLine', async () => {
  const opts = runOpts(['sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
  await runWithRunc(opts, { stateDir });
  assert.ok(opts.lines.includes('to-stdout'));
  assert.ok(opts.lines.includes('to-stderr'));
  const log = await readFile(opts.logFile, 'utf8');
  assert.match(log, /to-stdout\n/);
  assert.match(log, /to-stderr\n/);
  assert.deepEqual(leftovers(), { containers: '', runs: [] });
});

test('a non-zero exit is a UserError with the label, the last lines and the log path', async () => {
  const opts = runOpts(['sh', '-c', 'echo compiling >&2; echo broken >&2; exit 3']);
  const err = await runWithRunc(opts, { stateDir }).then(
    () => assert.fail('no error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UserError);
  assert.equal(err.problems[0]?.message, 'service "api": compile failed: exit status 3');
  assert.equal(err.problems[0]?.hint, `full log: ${opts.logFile}`);
  assert.deepEqual(err.details.slice(-2), ['compiling', 'broken']);
  assert.deepEqual(leftovers(), { containers: '', runs: [] });
});

test('env, user and workingDir are honoured; uid 1000 writes to a bind-mounted folder it owns', async () => {
  const out = await tempDir('tci-runc-out-');
  await chown(out, 1000, 1000);
  const opts = runOpts(
    ['sh', '-c', 'echo "$GREETING $(id -u):$(id -g) $(pwd)" > /out/who; echo $HOME $PATH'],
    {
      env: { GREETING: 'hello', PATH: '/bin' },
      user: '1000:1000',
      workingDir: '/srv/app',
      binds: [`${out}:/out`],
    },
  );
  await runWithRunc(opts, { stateDir });
  assert.equal(await readFile(join(out, 'who'), 'utf8'), 'hello 1000:1000 /srv/app\n');
  assert.equal((await stat(join(out, 'who'))).uid, 1000);
  assert.ok(opts.lines.includes('/ /bin'), opts.lines.join('\n'));
});

test("the image's User, WorkingDir and Env are the defaults", async () => {
  const image = await busyboxLayerImage(
    [
      { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\napp:x:1234:4321::/home/app:/bin/sh\n' },
      { name: 'etc/group', content: 'root:x:0:\napp:x:4321:\nextra:x:77:app\n' },
      { name: 'home/app/', type: 'directory', uid: 1234, gid: 4321 },
    ],
    { config: { User: 'app', WorkingDir: '/home/app', Env: ['FROM_IMAGE=yes'] } },
  );
  const opts = runOpts(
    ['/bin/busybox', 'sh', '-c', 'echo "$(/bin/busybox id) $(/bin/busybox pwd) $HOME $FROM_IMAGE"'],
    { image },
  );
  await runWithRunc(opts, { stateDir });
  assert.ok(
    opts.lines.includes('uid=1234(app) gid=4321(app) groups=77(extra) /home/app /home/app yes'),
    opts.lines.join('\n'),
  );
  const unknown = runOpts(['true'], { image, user: 'nobody' });
  await assert.rejects(runWithRunc(unknown, { stateDir }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /compile failed: unable to find user nobody: no matching entries in the image's \/etc\/passwd/,
    );
    return true;
  });
});

test('a :ro bind is read-only', async () => {
  const dir = await tempDir('tci-runc-ro-');
  await writeFile(join(dir, 'kept'), 'original');
  const opts = runOpts(['sh', '-c', 'echo changed > /src/kept; touch /src/new'], {
    binds: [`${dir}:/src:ro`],
  });
  await assert.rejects(runWithRunc(opts, { stateDir }), /exit status 1/);
  assert.equal(await readFile(join(dir, 'kept'), 'utf8'), 'original');
  assert.deepEqual(await readdir(dir), ['kept']);
  assert.ok(
    opts.lines.some((l) => /Read-only file system/.test(l)),
    opts.lines.join('\n'),
  );
});

test('abort mid-run kills and deletes the container and returns quickly', async () => {
  const ac = new AbortController();
  const opts = runOpts(['sh', '-c', 'echo started; sleep 60'], {
    signal: ac.signal,
    onLine: (l) => {
      if (l === 'started') ac.abort();
    },
  });
  const started = Date.now();
  await assert.rejects(runWithRunc(opts, { stateDir }), InterruptedError);
  assert.ok(Date.now() - started < 20_000, 'returned long before the sleep ended');
  assert.deepEqual(leftovers(), { containers: '', runs: [] });
});

test('a run does not change the unpacked image: the next run does not see its files', async () => {
  await runWithRunc(runOpts(['sh', '-c', 'echo x > /written; echo y > /tmp/written; rm /bin/ls']), {
    stateDir,
  });
  const opts = runOpts(['sh', '-c', 'ls / /tmp; test -e /bin/ls && echo ls-still-there']);
  await runWithRunc(opts, { stateDir });
  assert.ok(!opts.lines.includes('written'), opts.lines.join('\n'));
  assert.ok(opts.lines.includes('ls-still-there'));
  const cached = join(stateDir, 'rootfs', busybox.configDigest.replace(':', '-'));
  assert.equal((await readdir(cached)).includes('written'), false);
  assert.ok((await readdir(join(cached, 'bin'))).includes('ls'));
  assert.deepEqual(await readdir(join(cached, 'tmp')), []);
});

test('a second run of an image reuses its unpacked root filesystem', async () => {
  const image = await busyboxLayerImage();
  const first = runOpts(['/bin/busybox', 'true'], { image });
  await runWithRunc(first, { stateDir });
  const second = runOpts(['/bin/busybox', 'true'], { image });
  await runWithRunc(second, { stateDir });
  assert.equal(image.opened, 1);
  assert.ok(first.lines.some((l) => l.startsWith('unpacking layer 1/1 of test-image')));
  assert.ok(second.lines.some((l) => l.startsWith('using the unpacked root filesystem of test-image')));
  assert.match(await readFile(second.logFile, 'utf8'), /using the unpacked root filesystem/);
});

test('a hostile layer fails the step with a clear error and runs nothing', async () => {
  const image = imageFromLayers([await tarLayer([{ name: '../../escape', content: 'x' }])], {
    display: 'evil/image@sha256:abc',
  });
  const opts = runOpts(['true'], { image });
  await assert.rejects(runWithRunc(opts, { stateDir }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /^service "api": compile failed: layer 1 \(sha256:[0-9a-f]{64}\): entry "\.\.\/\.\.\/escape" climbs out with "\.\."/,
    );
    return true;
  });
  assert.deepEqual(leftovers(), { containers: '', runs: [] });
});

test('bad binds and commands are refused before anything runs', async () => {
  await assert.rejects(
    runWithRunc(runOpts(['true'], { binds: ['relative:/x'] }), { stateDir }),
    /invalid bind "relative:\/x"/,
  );
  await assert.rejects(
    runWithRunc(runOpts(['true'], { workingDir: 'app' }), { stateDir }),
    /working directory "app" is not an absolute path/,
  );
  await assert.rejects(
    runWithRunc(runOpts(['no-such-command']), { stateDir }),
    /compile failed: exit status/,
  );
});

test('runcUnavailable says why runc cannot be used', async () => {
  assert.equal(await runcUnavailable({}), undefined);
  assert.equal(await runcUnavailable({ runc: 'no-such-runc' }), 'no-such-runc not found on PATH');
  assert.equal(await runcUnavailable({ runc: '/nonexistent/runc' }), 'runc not found at /nonexistent/runc');
  // As another user: the same check from a process that is not root.
  const script = `import('${join(process.cwd(), 'src/builder/containers/runc-runner.ts')}').then(async (m) => console.log(await m.runcUnavailable({})))`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    uid: 1000,
    gid: 1000,
    encoding: 'utf8',
    env: { ...process.env, HOME: '/tmp' },
  });
  assert.equal(child.stdout.trim(), 'runc needs root here (running as uid 1000)', child.stderr);
  const err = await runWithRunc(runOpts(['true']), { stateDir, runc: 'no-such-runc' }).then(
    () => assert.fail('no error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UserError);
  assert.equal(err.problems[0]?.message, 'service "api": compile failed: no-such-runc not found on PATH');
});
