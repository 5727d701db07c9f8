import { link, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { exists } from '../../core/atomic-fs.js';
import { exec } from '../../core/exec.js';
import { makeDirectory } from '../../core/make-directory.js';
import { pathError } from '../../core/system-error-text.js';
import { toolInfo } from '../../core/tool-info.js';
import { UserError } from '../../core/user-error.js';
import type { ProcessContext } from '../process-context.js';
import { STARTER_APP_DIR, STARTER_BRANCH, STARTER_ENTRIES, starterSpecFiles } from './starter-spec.js';

/**
 * `init [dir]`: writes the starter spec of starter-spec.ts into `dir` (made if missing) and
 * makes its `app/` folder a git repository with one commit. Refuses, changing nothing, when
 * `dir` already holds any entry it would write. Everything is made in a hidden folder inside
 * `dir` first and moved into place only when complete; on any failure what was placed is removed.
 * A directory that cannot be made or written (a file in the way, /proc, /sys, no permission)
 * is an error naming it, in the system's words.
 */
export async function initCommand(ctx: ProcessContext, dirArg: string): Promise<void> {
  const dir = resolve(ctx.cwd, dirArg);
  await refuseExisting(dir, dirArg);
  let madeDir: string | undefined;
  try {
    madeDir = makeDirectory(dir);
  } catch (e) {
    const at = (e as NodeJS.ErrnoException).path;
    throw pathError(dirArg, 'cannot make this directory', e, at !== undefined && at !== dir ? at : undefined);
  }
  try {
    await writeSpec(dir, ctx.abort.signal);
  } catch (e) {
    if (madeDir !== undefined) await rm(madeDir, { recursive: true, force: true });
    throw pathError(dirArg, 'cannot write into this directory', e);
  }
  const shown = relative(ctx.cwd, dir) || '.';
  process.stdout.write(
    [
      `wrote a cluster spec to ${shown}:`,
      `  build.yml          one docker service, "hello", built from ${STARTER_APP_DIR}/`,
      '  deploy.yml         its Deployment, Service and Ingress (a JSON-e template)',
      '  deploy-config.yml  the settings deploy.yml reads as cfg',
      `  ${`${STARTER_APP_DIR}/`.padEnd(17)}  the service's source: a git repository with one commit on ${STARTER_BRANCH}`,
      'next:',
      ...(shown === '.' ? [] : [`  cd ${shown}`]),
      '  taskcluster-installer validate .',
      '  taskcluster-installer build . release.json',
      '  taskcluster-installer deploy release.json out/',
      '',
    ].join('\n'),
  );
}

/** The spec made in a hidden folder of `dir`, then placed; on failure, what was placed is removed. */
async function writeSpec(dir: string, signal: AbortSignal): Promise<void> {
  const placed: string[] = [];
  const staging = await mkdtemp(join(dir, '.taskcluster-installer-init-'));
  try {
    for (const [path, content] of Object.entries(starterSpecFiles(toolInfo.version))) {
      makeDirectory(dirname(join(staging, path)));
      await writeFile(join(staging, path), content);
    }
    await commitApp(join(staging, STARTER_APP_DIR), signal);
    for (const entry of STARTER_ENTRIES) {
      // link() fails rather than replace a file that appeared meanwhile; a directory is renamed.
      if (entry === STARTER_APP_DIR) await rename(join(staging, entry), join(dir, entry));
      else await link(join(staging, entry), join(dir, entry));
      placed.push(join(dir, entry));
    }
  } catch (e) {
    for (const path of placed) await rm(path, { recursive: true, force: true });
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function refuseExisting(dir: string, dirArg: string): Promise<void> {
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    // Not there (or a file in the way, which making it will report).
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw pathError(dirArg, 'cannot read this directory', e);
  });
  if (info === undefined) return;
  if (!info.isDirectory()) throw new UserError({ file: dirArg, message: 'is a file, not a directory' });
  const present: string[] = [];
  for (const entry of STARTER_ENTRIES) if (await exists(join(dir, entry))) present.push(entry);
  if (present.length > 0) {
    throw new UserError({
      file: dirArg,
      message: `already holds ${present.join(', ')}; init changed nothing`,
      hint: 'init writes a new spec: name an empty or new directory',
    });
  }
}

/** The starter app as a git repository with one commit, so the spec's source is real. */
async function commitApp(appDir: string, signal: AbortSignal): Promise<void> {
  const git = async (...args: string[]) => {
    let r;
    try {
      r = await exec('git', args, { cwd: appDir, signal });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new UserError({
        message: 'git is needed to make the starter app a repository, and was not found',
      });
    }
    if (r.code !== 0) {
      throw new UserError({
        message: `git ${args[0] === '-c' ? 'commit' : args[0]} failed in the starter app: ${r.lastLines.join(' ')}`,
      });
    }
  };
  await git('init', '-q');
  // Works with any git version, whatever init.defaultBranch says.
  await git('symbolic-ref', 'HEAD', `refs/heads/${STARTER_BRANCH}`);
  await git('add', '-A');
  // The tool's own identity, no signing and no hooks: the user's git setup must not make this fail.
  await git(
    '-c',
    'user.name=taskcluster-installer init',
    '-c',
    'user.email=init@taskcluster-installer.invalid',
    '-c',
    'commit.gpgsign=false',
    'commit',
    '-q',
    '--no-verify',
    '-m',
    'Starter app written by taskcluster-installer init',
  );
}
