import { lchown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.js';
import type { ImageSource } from '../../inputs/oci-types.js';
import type { CodeStep } from '../../build-types/build-type.js';
import type { DockerEngine, EngineOutput } from '../engines/docker-engine.js';

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
}

/**
 * Runs one code step in a container of its image: through the Docker engine when one answers
 * (folders copied in and out through the Engine API, so the engine may be on another machine),
 * else through runc on this machine (folders bind-mounted), else a UserError naming both.
 * Either way the writable folders hold the step's output afterwards, and a failure is
 * `<label> failed: …` with the last log lines and the log file.
 */
export async function runCodeStep(
  step: CodeStep,
  out: Omit<EngineOutput, 'label'>,
  runtime: CodeStepRuntime,
): Promise<void> {
  const owner = ownerOf(step.user);
  // What both runtimes are told alike; each adds the image and the folders its own way.
  const run = {
    ...out,
    label: step.label,
    cmd: step.cmd,
    workingDir: step.workingDir,
    ...(step.env !== undefined ? { env: step.env } : {}),
    ...(step.user !== undefined ? { user: step.user } : {}),
  };
  const down = await runtime.engineUnreachable();
  if (down === undefined) {
    await runtime.engine.runContainer({
      ...run,
      image: await runtime.engineImage(step.image),
      copyIn: step.folders.map((f) => ({
        hostDir: f.hostDir,
        containerPath: f.containerPath,
        ...(f.readOnly ? { uid: 0, gid: 0 } : owner),
      })),
      copyOut: step.folders
        .filter((f) => !f.readOnly)
        .map((f) => ({ containerPath: f.containerPath, hostDir: f.hostDir })),
    });
    return;
  }
  const runc = await import('./runc-runner.js');
  const unusable = await runc.runcUnavailable({});
  if (unusable !== undefined) {
    throw new UserError({
      message: `${step.label}: no Docker daemon (${down}) and runc is not usable: ${unusable}`,
      hint: 'this step runs code in a container: start a Docker daemon, or install runc and build as root',
    });
  }
  // Bind-mounted: the step's user must own what it writes.
  for (const f of step.folders) if (!f.readOnly) await chownTree(f.hostDir, owner.uid, owner.gid);
  await runc.runWithRunc(
    {
      ...run,
      image: await runtime.imageSource(step.image),
      binds: step.folders.map((f) => `${f.hostDir}:${f.containerPath}${f.readOnly ? ':ro' : ''}`),
    },
    { stateDir: runtime.runcStateDir },
  );
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
