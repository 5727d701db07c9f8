import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { tempSiblingPath } from '../../core/atomic-fs.js';
import type { Emit } from '../../core/events.js';
import { makeDirectory } from '../../core/make-directory.js';
import { pathError } from '../../core/system-error-text.js';
import { InterruptedError, UserError } from '../../core/user-error.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Tells this acquisition apart from any other, even by the same pid. */
  token: string;
}

export interface BaseDirLockOptions {
  emit: Emit;
  /** Wait for the holder to finish (default) or fail at once. */
  wait?: boolean;
  /** How long to wait before giving up; default 30 minutes. */
  waitMs?: number;
  signal?: AbortSignal;
  /** What the holder is doing, shown to a build that finds the lock. */
  command?: string;
}

const POLL_MS = 200;

/**
 * Makes this process the only build using `baseDir`, returning the function that releases it.
 *
 * Hand-written rather than proper-lockfile, which judges a lock stale by its mtime: a long
 * image build that stops touching the file would lose its lock, and a fresh lock whose holder
 * was SIGKILLed would block for the whole stale period. Here a lock is stale exactly when its
 * holder's pid is gone on this host (`kill(pid, 0)` fails with ESRCH). A lock from another
 * host cannot be judged and is treated as held.
 *
 * The lock file is created complete and exclusively: written under a temporary name, then
 * hard-linked to the lock name, which fails with EEXIST like an O_EXCL open but never shows a
 * reader an empty file.
 */
export async function acquireBaseDirLock(
  baseDir: string,
  opts: BaseDirLockOptions,
): Promise<() => Promise<void>> {
  makeBaseDir(baseDir);
  const lockFile = join(baseDir, 'build.lock');
  const me = newHolder(opts.command ?? defaultCommand());
  const deadline = Date.now() + (opts.waitMs ?? 30 * 60_000);
  let announced = false;
  for (;;) {
    if (opts.signal?.aborted) throw new InterruptedError('SIGINT');
    if (await createExclusive(lockFile, me)) return async () => await releaseIfMine(lockFile, me.token);
    const holder = await readHolder(lockFile);
    if (holder === 'gone') continue;
    if (holder === 'unreadable' || isDead(holder)) {
      await takeOver(lockFile, holder);
      continue;
    }
    if (opts.wait === false || Date.now() >= deadline) {
      throw new UserError({
        message: `base dir ${baseDir} is locked by another build (pid ${holder.pid})`,
        hint: `${describe(holder)}; wait for it to finish, or stop it (lock file ${lockFile})`,
      });
    }
    if (!announced) {
      opts.emit({ kind: 'lock-waiting', lockFile, holder: describe(holder) });
      announced = true;
    }
    await sleep(POLL_MS, opts.signal);
  }
}

function describe(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host}, running "${h.command}" since ${h.startedAt}`;
}

/** This process as the holder of a lock it is about to take, with a token of its own. */
function newHolder(command: string): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command,
    token: randomBytes(8).toString('hex'),
  };
}

function defaultCommand(): string {
  const [, script, ...args] = process.argv;
  return [basename(script ?? 'node'), ...args].join(' ');
}

async function createExclusive(file: string, holder: LockHolder): Promise<boolean> {
  const tmp = tempSiblingPath(file);
  await writeFile(tmp, JSON.stringify(holder) + '\n', { flag: 'wx' }).catch((e: unknown) => {
    throw pathError(dirname(file), 'cannot write into the base dir', e);
  });
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp);
  }
}

async function readHolder(file: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string') {
      return {
        pid: h.pid,
        host: h.host,
        token: h.token,
        startedAt: String(h.startedAt),
        command: String(h.command),
      };
    }
  } catch {
    // fall through: not written by this tool, or damaged
  }
  return 'unreadable';
}

function isDead(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes a stale lock. Two builds may find the same stale lock; a second, short-lived
 * `.takeover` lock lets only one of them remove it, and it removes the lock only if it is
 * still the stale one (same token), never a lock the other build has just created.
 */
async function takeOver(lockFile: string, stale: LockHolder | 'unreadable'): Promise<void> {
  const guard = `${lockFile}.takeover`;
  const me = newHolder('takeover');
  if (!(await createExclusive(guard, me))) {
    const other = await readHolder(guard);
    if (other === 'unreadable' || (other !== 'gone' && isDead(other)))
      await unlink(guard).catch(() => undefined);
    await sleep(POLL_MS / 4);
    return;
  }
  try {
    const now = await readHolder(lockFile);
    const same =
      stale === 'unreadable'
        ? now === 'unreadable'
        : now !== 'gone' && now !== 'unreadable' && now.token === stale.token;
    if (same) await unlink(lockFile).catch(() => undefined);
  } finally {
    await releaseIfMine(guard, me.token);
  }
}

async function releaseIfMine(file: string, token: string): Promise<void> {
  const h = await readHolder(file);
  if (h !== 'gone' && h !== 'unreadable' && h.token === token) await unlink(file).catch(() => undefined);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError('SIGINT'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The base dir, made if missing; one that cannot be made (a file in the way, /proc) is named. */
function makeBaseDir(baseDir: string): void {
  try {
    makeDirectory(baseDir);
  } catch (e) {
    throw pathError(baseDir, 'cannot make the base dir', e);
  }
}
