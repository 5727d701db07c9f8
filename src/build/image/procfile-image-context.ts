import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageBuildContext } from './build-type.js';
import { generateEntrypoint, type ProcfileProcess } from './procfile-entrypoint.js';

export interface ProcfileImageSpec {
  /** The base image, already mapped through the build config's `images`. */
  from: string;
  /** Shell commands run in the image after the app is copied in, each its own `RUN`. */
  run: string[];
  /** Image environment, set after the `RUN` steps so they do not see it. */
  env: Record<string, string>;
  processes: readonly ProcfileProcess[];
}

/**
 * Completes an image build context in `dir`, which already holds the app in `dir/app`: writes
 * the generated entrypoint and a Dockerfile that puts the app at `/app`. `docker run IMAGE` with
 * no arguments runs the `web` process when there is one.
 */
export async function writeProcfileImageContext(dir: string, spec: ProcfileImageSpec): Promise<void> {
  await writeFile(join(dir, 'entrypoint'), generateEntrypoint(spec.processes));
  // COPY keeps the mode, and the entrypoint must be executable for every user.
  await chmod(join(dir, 'entrypoint'), 0o755);
  const hasWeb = spec.processes.some((p) => p.name === 'web');
  const lines = [
    `FROM ${spec.from}`,
    'COPY app /app',
    'WORKDIR /app',
    ...spec.run.map((cmd) => `RUN ${cmd}`),
    ...Object.entries(spec.env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    'COPY entrypoint /entrypoint',
    'ENTRYPOINT ["/entrypoint"]',
    // Setting ENTRYPOINT already drops the base image's CMD; say the default explicitly.
    hasWeb ? 'CMD ["web"]' : 'CMD []',
    '',
  ];
  await writeFile(join(dir, 'Dockerfile'), lines.join('\n'));
}

/**
 * Writes the Procfile image context into `dir` (which holds the app in `dir/app`), builds it as
 * `ctx.tag`, then removes `dir`: after success it is only a copy of what the image holds; after
 * a failure it stays for inspection.
 */
export async function buildProcfileImage(
  ctx: ImageBuildContext,
  dir: string,
  spec: ProcfileImageSpec,
  label: string,
): Promise<void> {
  await writeProcfileImageContext(dir, spec);
  await ctx.engine.buildImage({
    contextDir: dir,
    dockerfile: 'Dockerfile',
    tag: ctx.tag,
    noCache: ctx.noCache,
    logFile: ctx.logFile,
    onLine: ctx.onLine,
    signal: ctx.signal,
    label: `service "${ctx.service.name}": ${label}`,
  });
  await rm(dir, { recursive: true, force: true });
}
