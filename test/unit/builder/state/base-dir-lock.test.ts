import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireBaseDirLock } from '../../../../src/builder/state/base-dir-lock.js';
import type { Event } from '../../../../src/core/events.js';
import { UserError } from '../../../../src/core/user-error.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const lockModule = fileURLToPath(new URL('../../../../src/builder/state/base-dir-lock.ts', import.meta.url));

/** A real process that takes the lock, says so, and holds it until killed. */
async function childHoldingLock(baseDir: string) {
  const code = `
    const { acquireBaseDirLock } = await import(${JSON.stringify(lockModule)});
    await acquireBaseDirLock(${JSON.stringify(baseDir)}, { emit: () => {}, command: 'taskcluster-installer build spec r.json' });
    console.log('locked');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('locked')) resolve();
    });
    child.on('exit', (c) => reject(new Error(`lock holder exited early (${c})`)));
  });
  return child;
}

/** A pid that certainly belongs to no process: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

test('a lock is exclusive and released by its holder', async () => {
  const dir = await tempDir();
  const release = await acquireBaseDirLock(dir, { emit: () => {} });
  const holder = JSON.parse(await readFile(join(dir, 'build.lock'), 'utf8')) as Record<string, unknown>;
  assert.equal(holder['pid'], process.pid);
  assert.equal(holder['host'], hostname());
  assert.equal(typeof holder['startedAt'], 'string');
  await assert.rejects(
    acquireBaseDirLock(dir, { emit: () => {}, wait: false }),
    /is locked by another build/,
  );
  await release();
  const again = await acquireBaseDirLock(dir, { emit: () => {}, wait: false });
  await again();
});

test('a lock whose holder is gone is taken over', async () => {
  const dir = await tempDir();
  const pid = deadPid();
  await writeFile(
    join(dir, 'build.lock'),
    JSON.stringify({ pid, host: hostname(), startedAt: '2020-01-01T00:00:00Z', command: 'x', token: 'old' }),
  );
  const release = await acquireBaseDirLock(dir, { emit: () => {}, wait: false });
  const holder = JSON.parse(await readFile(join(dir, 'build.lock'), 'utf8')) as { pid: number };
  assert.equal(holder.pid, process.pid);
  await release();
});

test('a live holder makes a non-waiting build fail at once, naming the lock holder', async () => {
  const dir = await tempDir();
  const child = await childHoldingLock(dir);
  try {
    await assert.rejects(acquireBaseDirLock(dir, { emit: () => {}, wait: false }), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.problems[0]?.message, `base dir ${dir} is locked by another build (pid ${child.pid})`);
      assert.match(e.problems[0]?.hint ?? '', /taskcluster-installer build spec r\.json/);
      assert.match(e.problems[0]?.hint ?? '', new RegExp(`lock file ${join(dir, 'build.lock')}`));
      return true;
    });
  } finally {
    child.kill('SIGKILL');
  }
});

test('a waiting build says whom it waits for, and gets the lock when the holder dies', async () => {
  const dir = await tempDir();
  const child = await childHoldingLock(dir);
  const events: Event[] = [];
  const acquiring = acquireBaseDirLock(dir, {
    emit: (e) => {
      events.push(e);
      // Kill the holder only once we are seen waiting: SIGKILL leaves its lock file behind.
      if (e.kind === 'lock-waiting') child.kill('SIGKILL');
    },
  });
  const release = await acquiring;
  assert.deepEqual(
    events.map((e) => e.kind),
    ['lock-waiting'],
  );
  const ev = events[0];
  assert.ok(ev?.kind === 'lock-waiting');
  assert.equal(ev.lockFile, join(dir, 'build.lock'));
  assert.match(ev.holder, new RegExp(`^pid ${child.pid} on `));
  await release();
});

test('waiting gives up at its bound, and stops when interrupted', async () => {
  const dir = await tempDir();
  const release = await acquireBaseDirLock(dir, { emit: () => {} });
  await assert.rejects(
    acquireBaseDirLock(dir, { emit: () => {}, waitMs: 300 }),
    /is locked by another build/,
  );
  const ac = new AbortController();
  const waiting = acquireBaseDirLock(dir, { emit: () => ac.abort(), signal: ac.signal });
  await assert.rejects(waiting, { name: 'InterruptedError' });
  await release();
});
