import Dockerode from 'dockerode';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extractFromContainer, packForContainer } from '../src/builder/engines/container-files.js';
import { nodeInstallCommand } from '../src/build-types/node/node-install-command.js';
import { dockerLoadArchive } from '../src/builder/oci/docker-load-archive.js';
import { importDockerArchive } from '../src/builder/oci/import-docker-archive.js';
import { writeLayer } from '../src/builder/oci/layer-writer.js';
import type { OciLayout } from '../src/builder/oci/oci-layout.js';
import { writeImage } from '../src/builder/oci/write-image.js';
import { exportTree } from '../src/builder/sources/export-tree.js';
import type { ImageSource } from '../src/inputs/oci-types.js';

/** Milliseconds per phase, in the order they ran. */
export type Phases = Array<[phase: string, ms: number]>;

export async function timed<T>(phases: Phases, phase: string, fn: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    phases.push([phase, Number(process.hrtime.bigint() - started) / 1e6]);
  }
}

export const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });

/** The base image from the daemon into the layout, as the tool does once per base image ID. */
export async function baseIntoLayout(layout: OciLayout, baseImage: string): Promise<ImageSource> {
  const archive = (await docker.getImage(baseImage).get()) as unknown as Readable;
  return await importDockerArchive(layout, archive, baseImage);
}

/**
 * Today's `node` build type (src/builder/image/node-build-type.ts at issue 18's start) step by
 * step, each phase timed: the committed tree exported, copied into a container of the base image,
 * `npm ci` there, `/app` copied back out, the two layers written (tar + deterministic gzip), the
 * image written and loaded into the daemon. The same functions the product runs, in the same
 * order; only the timers are added.
 */
export async function todaysNodeBuild(opts: {
  repoPath: string;
  commit: string;
  workDir: string;
  layout: OciLayout;
  base: ImageSource;
  baseImage: string;
  ref: string;
  epoch: number;
}): Promise<Phases> {
  const phases: Phases = [];
  const appDir = join(opts.workDir, 'app');
  rmSync(opts.workDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  await timed(phases, 'export committed tree (git archive | tar -x)', () =>
    exportTree(opts.repoPath, opts.commit, '', appDir),
  );
  const install = nodeInstallCommand('npm');
  const container = await docker.createContainer({
    Image: opts.baseImage,
    Cmd: ['/bin/sh', '-c', install],
    WorkingDir: '/app',
  });
  try {
    await timed(phases, 'copy /app into the container', async () =>
      container.putArchive(
        await packForContainer({ hostDir: appDir, containerPath: '/app', uid: 0, gid: 0 }),
        {
          path: '/',
        },
      ),
    );
    await timed(phases, 'npm ci in the container', async () => {
      await container.start();
      const r = (await container.wait()) as { StatusCode: number };
      if (r.StatusCode !== 0) throw new Error(`npm ci exited ${r.StatusCode}`);
    });
    await timed(phases, 'copy /app out of the container', async () => {
      const archive = (await container.getArchive({ path: '/app' })) as unknown as Readable;
      await extractFromContainer(archive, { containerPath: '/app', hostDir: appDir }, 'bench');
    });
  } finally {
    await container.remove({ force: true });
  }
  const isDep = (rel: string) => rel === 'node_modules' || rel.startsWith('node_modules/');
  const layers = [
    { createdBy: 'deps', sources: [{ kind: 'dir' as const, at: 'app', dir: appDir, include: isDep }] },
    {
      createdBy: 'app',
      sources: [{ kind: 'dir' as const, at: 'app', dir: appDir, include: (r: string) => !isDep(r) }],
    },
  ];
  const image = await timed(phases, 'write image: both layers (tar + gzip), config, manifest', () =>
    writeImage(opts.layout, {
      ref: opts.ref,
      service: 'big-app',
      base: opts.base,
      layers,
      settings: {
        env: { NODE_ENV: 'production' },
        workingDir: '/app',
        entrypoint: ['/entrypoint'],
        cmd: ['web'],
      },
      epoch: opts.epoch,
    }),
  );
  // The split, measured again on its own (the blob exists already; the work is the same).
  const deps = await timed(phases, '  of which the dependency layer', () =>
    writeLayer(opts.layout, layers[0]!.sources, opts.epoch),
  );
  phases.push(['(dependency layer, compressed MB)', deps.descriptor.size / 1e6]);
  await timed(phases, 'docker load', () => loadImage(dockerLoadArchive(opts.layout, image)));
  rmSync(opts.workDir, { recursive: true, force: true });
  return phases;
}

export async function loadImage(archive: Readable): Promise<void> {
  const res = (await docker.loadImage(archive)) as unknown as Readable;
  let out = '';
  for await (const chunk of res) out += String(chunk);
  if (/"error/.test(out)) throw new Error(`docker load: ${out}`);
}
