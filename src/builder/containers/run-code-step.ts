import { chmod, chown, lchown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { InternalError, UserError } from '../../core/user-error.js';
import type { ImageSource, LayerEntry } from '../../inputs/oci-types.js';
import type { CodeStep, CollectedFiles, StepResult } from '../../build-types/build-type.js';
import type { DockerEngine, EngineOutput, RunContainerOptions } from '../engines/docker-engine.js';
import { compareUtf8 } from '../../core/compare-utf8.js';

/** How code steps reach a container runtime; one per build. */
export interface CodeStepRuntime {
  engine: DockerEngine;
  /** Why the Docker daemon cannot be used (asked once per build), or undefined. */
  engineUnreachable(): Promise<string | undefined>;
  /** `step.image` as the engine runs it (pinned by digest, or the local image ID), pulled if missing. */
  engineImage(ref: string): Promise<string>;
  /** `step.image` as bytes, for runc. */
  imageSource(ref: string): Promise<ImageSource>;
  /** Folder of the base dir where runc keeps unpacked images and containers. */
  runcStateDir: string;
  /** A folder of the service's own, for what a step's `collect` brings back until it is closed. */
  scratchDir: string;
  /**
   * Masks what a step prints in its log file: the build's redactor, which knows the `!env`
   * values and the secret files' texts (`loadServiceEnv`, `loadServiceSecrets`) among the rest.
   */
  redact(text: string): string;
  /**
   * Takes the removal of a step's container that succeeded, which goes on meanwhile; `settle`
   * waits for every one (the service's build calls it before it ends).
   */
  removeLater(removal: Promise<void>): void;
  settle(): Promise<void>;
  /** Called before each step starts (a build ends its early image load then: see EarlyLoad). */
  beforeStep?(): Promise<void>;
}

/** `removeLater` and `settle` of a CodeStepRuntime: the removals kept until `settle` waits for them. */
export function keptRemovals(): Pick<CodeStepRuntime, 'removeLater' | 'settle'> {
  const removals: Array<Promise<void>> = [];
  return {
    removeLater: (removal) => void removals.push(removal),
    settle: async () => void (await Promise.all(removals)),
  };
}

/** Where a step's secret files are, in its container. */
const SECRETS_DIR = '/run/secrets';

/**
 * Runs one code step in a container of its image: through the Docker engine when one answers
 * (folders copied in and out through the Engine API, so the engine may be on another machine),
 * else through runc on this machine (folders bind-mounted), else a UserError naming both.
 * Either way the writable folders hold the step's output afterwards (or, with `collect`, the
 * collected files come back as entries), and a failure is `<label> failed: …` with the last
 * log lines and the log file.
 */
export async function runCodeStep(
  step: CodeStep,
  out: Omit<EngineOutput, 'label'>,
  runtime: CodeStepRuntime,
  keepAs?: RunContainerOptions['keepAs'],
): Promise<StepResult> {
  const printed = step.hint === undefined ? undefined : new PrintedLines();
  const output = printed === undefined ? out : { ...out, onLine: (l: string) => printed.add(l, out) };
  try {
    return await runOnRuntime(step, output, runtime, keepAs);
  } catch (e) {
    if (!(e instanceof UserError) || step.hint === undefined) throw e;
    const hint = step.hint(printed?.lines() ?? e.details);
    if (hint === undefined) throw e;
    const problems = e.problems.map((p) => ({ ...p, hint: [hint, p.hint].filter(Boolean).join('; ') }));
    throw new UserError(problems, { exitCode: e.exitCode, details: e.details, cause: e });
  }
}

/** How much of what a failed step printed its hint reads: a build tool's error may be far from the end. */
const HINT_BYTES = 1 << 20;

/**
 * The lines one step printed, the last MB of them, for its hint: all of them, not the last
 * lines a failure shows, since a wrapper's own trace may follow the line that says what is
 * wrong (node-pre-gyp's 20 lines after node-gyp's `Could not find any Python`); and only its
 * own, not the log file's, which a step running beside it writes to as well.
 */
class PrintedLines {
  private kept: string[] = [];
  private bytes = 0;

  add(line: string, out: Pick<EngineOutput, 'onLine'>): void {
    out.onLine(line);
    this.kept.push(line);
    this.bytes += line.length + 1;
    // Halved when twice over, so that a long output costs no shift per line.
    if (this.bytes > 2 * HINT_BYTES) {
      this.kept = this.kept.slice(this.kept.length >> 1);
      this.bytes = this.kept.reduce((n, l) => n + l.length + 1, 0);
    }
  }

  lines(): string[] {
    let bytes = 0;
    let from = this.kept.length;
    while (from > 0 && bytes + (this.kept[from - 1] as string).length + 1 <= HINT_BYTES)
      bytes += (this.kept[--from] as string).length + 1;
    return this.kept.slice(from);
  }
}

async function runOnRuntime(
  step: CodeStep,
  out: Omit<EngineOutput, 'label'>,
  runtime: CodeStepRuntime,
  keepAs: RunContainerOptions['keepAs'],
): Promise<StepResult> {
  await runtime.beforeStep?.();
  const down = await runtime.engineUnreachable();
  if (down === undefined) return await onEngine(step, out, runtime, keepAs);
  if (keepAs !== undefined) throw new InternalError(`${step.label}: runc keeps no images`);
  const runc = await import('./runc-runner.js');
  const unusable = await runc.runcUnavailable({});
  if (unusable !== undefined) {
    throw new UserError({
      message: `${step.label}: no Docker daemon (${down}) and runc is not usable: ${unusable}`,
      hint: 'this step runs code in a container: start a Docker daemon, or install runc and build as root',
    });
  }
  const owner = ownerOf(step.user);
  // Bind-mounted: the step's user must own what it writes.
  for (const f of step.folders) if (!f.readOnly) await chownTree(f.hostDir, owner.uid, owner.gid);
  const secrets = step.secretFiles !== undefined ? await memoryFiles(step.secretFiles, owner) : undefined;
  try {
    await runc.runWithRunc(
      {
        ...commonRun(step, out, runtime),
        image: await runtime.imageSource(step.image),
        binds: [
          ...step.folders.map((f) => `${f.hostDir}:${f.containerPath}${f.readOnly ? ':ro' : ''}`),
          ...(secrets !== undefined ? [`${secrets}:${SECRETS_DIR}:ro`] : []),
        ],
      },
      { stateDir: runtime.runcStateDir },
    );
  } finally {
    if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
  }
  return step.collect === undefined ? {} : { collected: await collectFromFolders(step) };
}

async function onEngine(
  step: CodeStep,
  out: Omit<EngineOutput, 'label'>,
  runtime: CodeStepRuntime,
  keepAs: RunContainerOptions['keepAs'],
): Promise<StepResult> {
  const owner = ownerOf(step.user);
  let spooled: Promise<CollectedFiles> | undefined;
  const collect = step.collect;
  try {
    await runtime.engine.runContainer({
      ...commonRun(step, out, runtime),
      image: await runtime.engineImage(step.image),
      removeLater: (removal) => runtime.removeLater(removal),
      copyIn: step.folders.map((f) => ({
        hostDir: f.hostDir,
        containerPath: f.containerPath,
        ...(f.readOnly ? { uid: 0, gid: 0 } : owner),
      })),
      copyOut:
        collect !== undefined
          ? []
          : step.folders
              .filter((f) => !f.readOnly)
              .map((f) => ({ containerPath: f.containerPath, hostDir: f.hostDir })),
      ...(collect !== undefined
        ? {
            collect: {
              paths: collect.paths,
              ...(collect.inMemory === true ? { inMemory: true } : {}),
              ...(collect.leaveOut !== undefined ? { leaveOut: collect.leaveOut } : {}),
              read: async (archive) => {
                spooled = spoolCollected(step, archive, runtime.scratchDir);
                await spooled;
              },
            },
          }
        : {}),
      ...(step.secretFiles !== undefined
        ? { secretFiles: { dir: SECRETS_DIR, files: step.secretFiles } }
        : {}),
      ...(step.memoryFolders !== undefined ? { memoryFolders: step.memoryFolders } : {}),
      ...(keepAs !== undefined ? { keepAs } : {}),
    });
  } catch (e) {
    await (await spooled?.catch(() => undefined))?.close();
    throw e;
  }
  if (collect === undefined) return {};
  return { collected: (await spooled) ?? { entries: [], close: async () => undefined } };
}

/** The archive of a step's `collect` folders, spooled into the scratch folder as entries. */
async function spoolCollected(
  step: CodeStep,
  archive: Readable,
  scratchDir: string,
): Promise<CollectedFiles> {
  // Lazy, as the folder walk below: tar-stream is not loaded by a build that skips every service.
  const { spoolArchive } = await import('../oci/archive-entries.js');
  const roots = (step.collect?.paths ?? []).map((p) => p.replace(/^\/+/, ''));
  try {
    return await spoolArchive(archive, scratchDir, roots, step.collect?.exclude);
  } catch (e) {
    throw new UserError({
      message: `${step.label} failed: what it left cannot be read: ${(e as Error).message}`,
    });
  }
}

/** With runc the collected folders are the bind-mounted ones, read where they are. */
async function collectFromFolders(step: CodeStep): Promise<CollectedFiles> {
  const entries: LayerEntry[] = [];
  for (const path of step.collect?.paths ?? []) {
    const folder = step.folders.find(
      (f) => path === f.containerPath || path.startsWith(`${f.containerPath}/`),
    );
    if (folder === undefined) continue;
    const hostDir = join(folder.hostDir, path.slice(folder.containerPath.length));
    const at = path.replace(/^\/+/, '');
    if ((await readdir(hostDir).catch(() => undefined)) === undefined) continue;
    const { folderEntries } = await import('../oci/layer-entries.js');
    entries.push(...(await folderEntries(hostDir, at, step.collect?.exclude)));
  }
  return { entries: entries.sort((a, b) => compareUtf8(a.path, b.path)), close: async () => undefined };
}

/** The secret files in a private folder of /dev/shm (memory), owned by the step's user. */
async function memoryFiles(
  files: ReadonlyMap<string, Uint8Array>,
  owner: { uid: number; gid: number },
): Promise<string> {
  const dir = await mkdtemp('/dev/shm/tci-secrets-');
  for (const [name, value] of files) {
    const file = join(dir, basename(name));
    await writeFile(file, value, { mode: 0o400 });
    if ((process.getuid?.() ?? 1) === 0) await chown(file, owner.uid, owner.gid);
  }
  await chmod(dir, 0o755);
  return dir;
}

/** What both runtimes are told alike; each adds the image and the folders its own way. */
function commonRun(step: CodeStep, out: Omit<EngineOutput, 'label'>, runtime: CodeStepRuntime) {
  return {
    ...out,
    redact: runtime.redact,
    label: step.label,
    cmd: step.cmd,
    workingDir: step.workingDir,
    ...(step.env !== undefined ? { env: step.env } : {}),
    ...(step.user !== undefined ? { user: step.user } : {}),
  };
}

/** `1000:1000` → that owner; a user name or none: root, as Docker's COPY would make it. */
function ownerOf(user: string | undefined): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  if (m === null) return { uid: 0, gid: 0 };
  const uid = Number(m[1]);
  return { uid, gid: m[2] !== undefined ? Number(m[2]) : uid };
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  if ((process.getuid?.() ?? 0) !== 0) return;
  await lchown(dir, uid, gid);
  for (const entry of await readdir(dir, { recursive: true })) await lchown(join(dir, entry), uid, gid);
}
