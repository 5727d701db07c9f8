import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runWithRunc } from '../../src/builder/containers/runc-runner.js';
import { tempDir } from '../helpers/temp-dir.js';
import { busyboxLayerImage } from '../helpers/image-source.js';

/**
 * A build killed with SIGKILL while a runc step runs leaves its container running, its overlay
 * mounted and its bundle on disk; the next run in the same state dir removes all of it.
 */
const CHILD = `
import { runWithRunc } from './src/builder/containers/runc-runner.ts';
import { busyboxLayerImage } from './test/helpers/image-source.ts';
const image = await busyboxLayerImage();
await runWithRunc({
  image, cmd: ['/bin/busybox', 'sh', '-c', 'echo started; exec /bin/busybox sleep 600'],
  logFile: process.argv[1] + '/step.log', onLine: (l) => console.log(l), signal: new AbortController().signal, label: 'step',
}, { stateDir: process.argv[1] });
`;

/** Whether the killed build's `sleep 600` runs. */
async function sleeping(): Promise<boolean> {
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  const commands = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')));
  return commands.includes(['/bin/busybox', 'sleep', '600', ''].join('\0'));
}

function runcList(stateDir: string): string[] {
  const out = execFileSync('runc', ['--root', join(stateDir, 'runc'), 'list', '-q'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

test('the next run removes the container, overlay and bundle of a killed build', async () => {
  const stateDir = await tempDir('tci-runc-killed-');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, stateDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('started\n')) break;
  }
  child.kill('SIGKILL');
  await once(child, 'close');
  const [stale] = runcList(stateDir);
  assert.ok(stale !== undefined, 'the killed build left its container');
  assert.deepEqual(await readdir(join(stateDir, 'runs')), [stale]);
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.ok(mounts.includes(join(stateDir, 'runs', stale, 'rootfs')), 'its overlay is still mounted');
  assert.equal(await sleeping(), true, 'its command still runs');

  await runWithRunc(
    {
      image: await busyboxLayerImage(),
      cmd: ['/bin/busybox', 'true'],
      logFile: join(stateDir, 'next.log'),
      onLine: () => undefined,
      signal: new AbortController().signal,
      label: 'next',
    },
    { stateDir },
  );
  assert.deepEqual(runcList(stateDir), []);
  assert.deepEqual(await readdir(join(stateDir, 'runs')), []);
  assert.ok(!(await readFile('/proc/self/mountinfo', 'utf8')).includes(join(stateDir, 'runs')));
  // The killed build's `sleep 600` is gone with its container.
  assert.equal(await sleeping(), false);
});
