import { rm } from 'node:fs/promises';
import type { AppImage, AppLayer, ToolImageRecipe } from '../../build-types/build-type.js';
import type { ImageSource } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { join } from 'node:path';
import { writeLayer, writeLayerFile } from '../oci/layer-writer.js';
import type { LayoutImage } from '../oci/oci-layout.js';
import { sourceEntries } from '../oci/layer-entries.js';
import { writeImage, writeImageConfig, type ImageLayer } from '../oci/write-image.js';
import { commitTime } from '../sources/commit-time.js';
import { stepLogFile } from '../state/build-layout.js';
import { pinnedRef } from './app-base-images.js';
import { buildContext, freshBuildDirs } from './build-context.js';
import { EarlyLoad } from './early-load.js';
import type { ImageJob, StepRun } from './image-producer.js';
import { ServiceKeyedLayers } from './keyed-layers.js';
import { notLoadedWarning } from './layout-images.js';
import { loadNewImage } from './load-new-image.js';
import { baseOf, codeStepRuntime, toolBuildContext } from './tool-build-context.js';
import type { ToolProducerDeps } from './tool-producer-deps.js';
import { secondsSince } from './seconds-since.js';

/** A layer of the image being written, and the file a daemon can load it from. */
type PlacedLayer = ImageLayer & { loadFile: string; loadSize: number };

/**
 * The build step of a tool-written image: the build type's code steps in containers, its
 * layers written (a keyed layer reused, or made and compressed in the background), the config,
 * then, without `--push`, the daemon loads the new layers while they are still being
 * compressed, and the image enters the layout once every blob is there. Returns its digest.
 */
export async function buildToolImage(
  recipe: ToolImageRecipe,
  job: ImageJob,
  run: StepRun,
  deps: ToolProducerDeps,
  signal: AbortSignal,
): Promise<Digest> {
  const logFile = stepLogFile(deps.baseDir, job.name, 'build');
  const { workDir, cacheDir } = await freshBuildDirs(deps.baseDir, job.name, logFile);
  const onLine = (line: string) => run.emit({ kind: 'log-line', service: job.name, step: 'build', line });
  const keyed = new ServiceKeyedLayers({ ...deps, service: job.name, workDir, onLine });
  const early = await earlyLoad(job, deps, signal);
  // A code step takes long enough: holding the daemon's unpacker meanwhile would gain nothing.
  // Not waited for: the daemon's answer comes while the step starts (the end awaits it).
  const beforeStep = async () => void early?.dismiss();
  const runtime = { ...codeStepRuntime(job, run.engine, deps, signal, workDir), beforeStep };
  try {
    const common = buildContext(job, { workDir, cacheDir, logFile, signal, onLine }, deps);
    const app = await recipe.assemble(
      toolBuildContext(job, common, { runtime, keyed, emit: run.emit, deps }),
    );
    const at = { deps, run, signal, onLine, workDir, early };
    const image = await writeAppImage(job, app, keyed, at).finally(() => app.done?.());
    onLine(`image ${image.descriptor.digest} written to ${deps.layout.dir}`);
    return image.descriptor.digest;
  } finally {
    await Promise.all([keyed.settle(), runtime.settle(), early?.dismiss()]);
    await rm(workDir, { recursive: true, force: true });
  }
}

async function writeAppImage(
  job: ImageJob,
  app: AppImage,
  keyed: ServiceKeyedLayers,
  at: WriteAt & { workDir: string; early: EarlyLoad | undefined },
): Promise<LayoutImage> {
  const { deps } = at;
  const base = baseOf(job, app.base);
  const baseSource = await deps.bases.inLayout(base, at.onLine);
  const epoch = app.epoch ?? (await commitTime(job.source.clonePath, job.source.commit));
  // The new layers' compression waits for the archive the daemon loads to be sent (see placeLayer).
  let archiveSent!: () => void;
  const sent = new Promise<void>((resolve) => (archiveSent = resolve));
  try {
    const layers: PlacedLayer[] = [];
    for (const [i, layer] of app.layers.entries()) {
      const file = deps.push ? undefined : join(at.workDir, `app-layer-${i}.tar`);
      layers.push(await placeLayer(layer, keyed, { deps, epoch, file, compressAfter: sent }));
    }
    const common = { base: baseSource, layers, settings: app.settings, epoch };
    const config = await writeImageConfig(deps.layout, common);
    let written: Promise<LayoutImage> | undefined;
    const complete = () =>
      (written ??= writeImage(deps.layout, {
        ...common,
        ref: job.tag,
        service: job.name,
        config,
        ...(base.source === 'registry' ? { baseRegistryRef: pinnedRef(base) } : {}),
      }));
    if (!deps.push)
      await loadWhileCompressing(job, { baseSource, layers, config, complete }, { ...at, archiveSent });
    archiveSent();
    return await complete();
  } finally {
    archiveSent();
  }
}

type WriteAt = { deps: ToolProducerDeps; run: StepRun; signal: AbortSignal; onLine(line: string): void };

/**
 * Without `--push`, into the daemon: only the layers it lacks, a new one as the uncompressed tar
 * that is meanwhile being compressed into the layout (or, with no daemon, a warning).
 */
async function loadWhileCompressing(
  job: ImageJob,
  image: {
    baseSource: ImageSource;
    layers: readonly PlacedLayer[];
    config: { digest: Digest; bytes: Buffer };
    complete(): Promise<LayoutImage>;
  },
  at: WriteAt & { archiveSent(): void; early: EarlyLoad | undefined },
): Promise<void> {
  const { deps } = at;
  const down = await deps.engineUnreachable();
  if (down !== undefined) {
    at.run.emit(notLoadedWarning(job.name, down, job.tag, deps.layout.dir));
    return;
  }
  const { baseSource } = image;
  const layers = [
    ...baseSource.layers.map((l, i) => ({
      diffId: baseSource.config.rootfs.diff_ids[i] as string,
      file: deps.layout.blobPath(l.digest),
      size: l.size,
    })),
    ...image.layers.map((l) => ({ diffId: l.diffId, file: l.loadFile, size: l.loadSize })),
  ];
  const newImage = {
    ref: job.tag,
    configBytes: image.config.bytes,
    configDigest: image.config.digest,
    layers,
    related: relatedImages(job),
  };
  const started = Date.now();
  const complete = async () => ({ layout: deps.layout, image: await image.complete() });
  const label = loadLabel(job);
  const sent = await loadNewImage(
    deps.daemon,
    newImage,
    { complete, label, onSent: at.archiveSent, ...(at.early ? { early: at.early } : {}) },
    at.signal,
  );
  at.onLine(
    `loaded into the Docker daemon: ${sent} of ${layers.length} layers sent (${secondsSince(started)})`,
  );
}

/**
 * A layer of the image: a keyed one as the build made or found it; another written from its
 * sources. With `file` (the daemon will load it), that is its uncompressed tar, and compression
 * into the layout waits for `compressAfter`: an app's layer is small enough to be deflated on
 * this thread, which, done first, would delay the load by as long (about 30 ms for 140 kB,
 * pako not yet compiled), and done afterwards runs while the daemon unpacks.
 */
async function placeLayer(
  layer: AppLayer,
  keyed: ServiceKeyedLayers,
  at: { deps: ToolProducerDeps; epoch: number; file: string | undefined; compressAfter: Promise<void> },
): Promise<PlacedLayer> {
  if ('keyed' in layer) return { createdBy: layer.createdBy, ...keyed.placement(layer.keyed) };
  const { deps, epoch, file } = at;
  if (file === undefined) {
    const w = await writeLayer(deps.layout, layer.sources, epoch);
    const loadFile = deps.layout.blobPath(w.descriptor.digest);
    return { createdBy: layer.createdBy, ...w, loadFile, loadSize: w.descriptor.size };
  }
  const out = writeLayerFile(sourceEntries(layer.sources), epoch, file, deps.layout, at.compressAfter);
  const descriptor = out.compressed.then((w) => w.descriptor);
  descriptor.catch(() => undefined);
  const tar = await out.file;
  return { createdBy: layer.createdBy, diffId: tar.diffId, descriptor, loadFile: file, loadSize: tar.size };
}

/** Without `--push`, the load of the image into the daemon, opened now (see EarlyLoad). */
async function earlyLoad(
  job: ImageJob,
  deps: ToolProducerDeps,
  signal: AbortSignal,
): Promise<EarlyLoad | undefined> {
  if (deps.push || (await deps.engineUnreachable()) !== undefined) return undefined;
  return new EarlyLoad(deps.daemon, loadLabel(job), signal);
}

const loadLabel = (job: ImageJob) => `service "${job.name}": loading the image into the Docker daemon`;

/** Images the daemon may hold that share the new image's first layers: its base, its last build. */
function relatedImages(job: ImageJob): string[] {
  const repository = job.tag.slice(0, job.tag.lastIndexOf(':'));
  return [
    ...(job.previous !== undefined ? [`${repository}:SVC-${job.previous.buildKey}`] : []),
    ...job.bases.map((b) => (b.source === 'local' ? b.digest : pinnedRef(b))),
  ];
}
