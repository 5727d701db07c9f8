import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emit } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import { pathError } from '../core/system-error-text.js';
import { InterruptedError, isUserError, UserError } from '../core/user-error.js';
import { buildTypes } from '../build-types/build-types.js';
import { loadClusterSpec } from '../inputs/cluster-spec.js';
import type { DeployConfig, InfraInfo } from '../inputs/types.js';
import { diffResources, emitDiff, type DiffResource, type ResourceDiff } from './diff/diff-resources.js';
import { readOutputDir } from './diff/read-output-dir.js';
import { renderResources, warningEvent } from './render-resources.js';

export interface DiffOptions {
  /** `cfg` and `infra` for a side that is a release or spec; loaded only when one is. */
  renderInputs: () => Promise<{ cfg: DeployConfig; infra: InfraInfo }>;
  emit: Emit;
  signal?: AbortSignal;
}

const SIDE_HINT = 'each side is an output directory written by deploy, a release, or a spec';

/**
 * `diff <old> <new>` (docs/deploy.md): each side is an output directory, or a release or spec
 * rendered in memory (never written) with the same `cfg` and `infra`. Emits one event per
 * changed resource and a summary; the problems of both sides are reported together.
 */
export async function runDiff(oldPath: string, newPath: string, opts: DiffOptions): Promise<ResourceDiff> {
  const sides = await Promise.allSettled([oldPath, newPath].map((p) => resourcesAt(p, opts)));
  const problems: Problem[] = [];
  for (const side of sides) {
    if (side.status === 'fulfilled') continue;
    if (!isUserError(side.reason)) throw side.reason;
    problems.push(...side.reason.problems);
  }
  if (problems.length > 0) throw new UserError(problems);
  const [before, after] = sides.map((s) => (s as PromiseFulfilledResult<DiffResource[]>).value) as [
    DiffResource[],
    DiffResource[],
  ];
  const diff = diffResources(before, after, { before: oldPath, after: newPath });
  // Interrupted while comparing: print nothing rather than a diff the user stopped.
  if (opts.signal?.aborted === true) throw new InterruptedError('SIGINT');
  emitDiff(diff, opts.emit);
  return diff;
}

async function resourcesAt(path: string, opts: DiffOptions): Promise<DiffResource[]> {
  if ((await sideKind(path)) === 'output-dir') return await readOutputDir(path, opts.signal);
  const [spec, inputs] = await Promise.all([
    loadClusterSpec(path, { serviceTypes: buildTypes }),
    opts.renderInputs(),
  ]);
  const { files, warnings } = await renderResources(spec, {
    ...inputs,
    validate: true,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  for (const w of warnings) opts.emit(warningEvent(w));
  return files.map((f) => ({ file: f.fileName, object: f.object }));
}

/** A directory holding build.yml or deploy.yml is a spec; any other directory an output. */
async function sideKind(path: string): Promise<'output-dir' | 'spec'> {
  const isFile = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() === true;
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    // Not there, or a file where a folder of the path should be: not found, as ls says.
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw pathError(path, 'cannot read', e);
  });
  if (info === undefined) throw new UserError({ file: path, message: 'not found', hint: SIDE_HINT });
  if (!info.isDirectory()) return 'spec';
  const [build, deploy] = await Promise.all([
    isFile(join(path, 'build.yml')),
    isFile(join(path, 'deploy.yml')),
  ]);
  return build || deploy ? 'spec' : 'output-dir';
}
