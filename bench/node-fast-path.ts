import { createReadStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { dependencyLayerKey } from '../src/build-types/node/dependency-layer-key.js';
import { findNodeProject } from '../src/build-types/node/find-node-project.js';
import { GitTree } from '../src/build-types/git-tree.js';
import { installCommand } from '../src/build-types/node/install-command.js';
import { npmInstallClosure, parseNpmLock } from '../src/build-types/node/lockfile-npm.js';
import { INSTALL_SETTINGS_FILES } from '../src/build-types/node/package-manager.js';
import { generateEntrypoint } from '../src/build-types/procfile/procfile-entrypoint.js';
import { deterministicGzip } from '../src/builder/oci/deterministic-gzip.js';
import { composeImageConfig } from '../src/builder/oci/image-config.js';
import { composeManifest } from '../src/builder/oci/image-manifest.js';
import type { WrittenLayer } from '../src/builder/oci/layer-writer.js';
import { sha256Digest } from '../src/builder/oci/digest-tap.js';
import { ANNOTATIONS, type OciLayout } from '../src/builder/oci/oci-layout.js';
import type { ImageSource } from '../src/inputs/oci-types.js';
import type { Digest } from '../src/inputs/types.js';
import { spoolArchive } from './archive-entries.js';
import { gzipIntoLayout, writeEntriesLayer, writeEntriesTar, type LayerEntry } from './entries-layer.js';
import { gitEntries } from './git-entries.js';
import { docker, loadImage, timed, type Phases } from './node-build-phases.js';
import { parallelGzip } from './parallel-gzip.js';
import { dockerLoadArchiveOf, layersDaemonHas, type LoadLayer } from './slim-docker-load.js';

/** The dependency layer's timestamps: fixed, so a layer is a function of its key alone. */
const DEPENDENCY_EPOCH = 0;

export interface FastPathContext {
  layout: OciLayout;
  /** The base image with its layers in the layout; `baseImage` names it in the daemon. */
  base: ImageSource;
  baseImage: string;
  /** `<base dir>/node-deps`: one record per dependency layer key. */
  recordsDir: string;
  workDir: string;
  /** Deflate threads for the dependency layer (1 at level 6: the single-stream deterministicGzip). */
  threads: number;
  /** Deflate level of the dependency layer. */
  level: number;
}

interface LayerRecord {
  descriptor: WrittenLayer['descriptor'];
  diffId: Digest;
}

/**
 * PROTOTYPE of issue 18's fast path for a `node` service, end to end, phase by phase:
 * 1. the committed tree (git ls-tree) and the lock file give the dependency layer's key;
 * 2. a layer recorded under that key is reused as it is: no container, no npm;
 * 3. else only the manifests, lock file and npm settings go into a container of the base, `npm
 *    ci` runs, and `/app/node_modules` comes back as one archive, spooled, sorted and written
 *    as an uncompressed layer tar with fixed timestamps;
 * 4. the app layer is written from git (cat-file) with the generated /entrypoint, then the config;
 * 5. `docker load` of only the layers the daemon lacks (a new dependency layer as its
 *    uncompressed tar) runs while the new dependency layer is compressed on every core into the
 *    layout; then the manifest and the index entry.
 */
export async function fastNodeBuild(
  ctx: FastPathContext,
  repoPath: string,
  commit: string,
  ref: string,
  previousRef: string | undefined,
): Promise<{ phases: Phases; reused: boolean }> {
  const phases: Phases = [];
  const { tree, key, installFiles } = await timed(phases, 'tree, lock file and dependency key', async () => {
    const tree = await GitTree.read(repoPath, commit);
    const project = await findNodeProject(tree, '', 'big-app');
    const lock = parseNpmLock((await tree.readText(project.lockFile)) as string, project.lockFile);
    const installFiles: Record<string, string> = {};
    for (const f of ['package.json', ...INSTALL_SETTINGS_FILES.npm]) {
      const e = tree.get(f);
      if (e !== undefined) installFiles[f] = e.oid;
    }
    const key = dependencyLayerKey({
      stepVersion: 'node-deps-proto-1',
      manager: project.manager,
      installImage: ctx.base.configDigest,
      runtime: '',
      platform: 'linux/amd64',
      workspace: '',
      locked: npmInstallClosure(lock, '', false),
      installFiles,
      ignoreScripts: false,
      env: {},
    });
    return { tree, key, installFiles };
  });
  const recordFile = join(ctx.recordsDir, `${key}.json`);
  const record = readRecord(recordFile);
  const reused = record !== undefined && (await ctx.layout.hasBlob(record.descriptor.digest));
  const fresh = reused ? undefined : await installAndTar(ctx, tree, installFiles, phases);
  const depDiffId = (fresh?.diffId ?? record?.diffId) as Digest;
  const epoch = await commitEpoch(tree);
  const app = await timed(phases, 'app layer from git (ls-tree, cat-file, tar, gzip)', () =>
    writeEntriesLayer(ctx.layout, gitEntries(tree, [''], 'app', [entrypoint()]), epoch, deterministicGzip),
  );
  const { config, configBytes } = await timed(phases, 'config', async () => {
    const config = composeImageConfig(
      ctx.base.config,
      [
        { diffId: depDiffId, createdBy: 'taskcluster-installer: /app/node_modules' },
        { diffId: app.diffId, createdBy: 'taskcluster-installer: /app' },
      ],
      { env: { NODE_ENV: 'production' }, workingDir: '/app', entrypoint: ['/entrypoint'], cmd: ['web'] },
      epoch,
    );
    return { config, configBytes: (await ctx.layout.writeJsonBlob(config)).bytes };
  });
  const deps = await timed(
    phases,
    fresh
      ? `dependency layer gzip (${ctx.threads} thread(s), level ${ctx.level}) while the daemon loads the image`
      : 'docker load of the app layer',
    async () => {
      const has = await layersDaemonHas(config, [...(previousRef ? [previousRef] : []), ctx.baseImage]);
      const blob = (d: { digest: string; size: number }, diffId: string) => ({
        diffId,
        size: d.size,
        file: ctx.layout.blobPath(d.digest),
      });
      const diffIds = config.rootfs.diff_ids;
      const layers: LoadLayer[] = [
        ...ctx.base.layers.map((l, i) => blob(l, diffIds[i] as string)),
        fresh
          ? { diffId: fresh.diffId, size: fresh.size, file: fresh.tarFile }
          : blob((record as LayerRecord).descriptor, depDiffId),
        blob(app.descriptor, app.diffId),
      ].map((l, i) => (i < has ? { ...l, file: undefined } : l));
      if (!fresh) {
        await loadImage(dockerLoadArchiveOf(ref, configBytes, layers));
        return record as LayerRecord;
      }
      // Each side timed on its own too: which of the two the overlap waits for.
      const [, written] = await Promise.all([
        timed(phases, '  of which docker load', () =>
          loadImage(dockerLoadArchiveOf(ref, configBytes, layers)),
        ),
        timed(phases, '  of which gzip into the layout', () =>
          compressDependencyLayer(ctx, fresh, recordFile),
        ),
      ]);
      return written;
    },
  );
  if (fresh) phases.push(['(dependency layer, compressed MB)', deps.descriptor.size / 1e6]);
  await timed(phases, 'manifest, index', async () => {
    const configBlob = { digest: sha256Digest(configBytes), size: configBytes.length };
    const manifest = composeManifest(configBlob, [...ctx.base.layers, deps.descriptor, app.descriptor]);
    await ctx.layout.putImage(ref, await ctx.layout.writeJsonBlob(manifest), {
      [ANNOTATIONS.service]: 'big-app',
    });
  });
  rmSync(ctx.workDir, { recursive: true, force: true });
  return { phases, reused };
}

function entrypoint(): LayerEntry {
  const script = Buffer.from(generateEntrypoint([{ name: 'web', command: 'npm start' }]));
  return {
    path: 'entrypoint',
    type: 'file',
    executable: true,
    size: script.length,
    content: async () => script,
  };
}

function readRecord(file: string): LayerRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LayerRecord;
  } catch {
    return undefined;
  }
}

async function commitEpoch(tree: GitTree): Promise<number> {
  const { exec } = await import('../src/core/exec.js');
  const r = await exec('git', ['-C', tree.clonePath, 'log', '-1', '--format=%ct', tree.commit]);
  return Number(r.stdout.trim());
}

/** The install inputs (manifests, lock file, npm settings) as a tar for `PUT /archive` at `/`. */
async function installInputs(
  tree: GitTree,
  files: Record<string, string>,
  lockFile: string,
): Promise<Buffer> {
  const pack = tarStream.pack();
  const mtime = new Date(0);
  for (const path of [...Object.keys(files), lockFile].sort()) {
    pack.entry(
      { name: `app/${path}`, mode: 0o644, mtime },
      Buffer.from((await tree.readText(path)) as string),
    );
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

interface FreshLayer {
  diffId: Digest;
  size: number;
  /** The uncompressed tar. */
  tarFile: string;
}

/** On a key miss: the install in a container of the base, and its node_modules as a layer tar. */
async function installAndTar(
  ctx: FastPathContext,
  tree: GitTree,
  installFiles: Record<string, string>,
  phases: Phases,
): Promise<FreshLayer> {
  const cmd = installCommand('npm', {
    workspace: undefined,
    dependsOn: [],
    root: '',
    rootManifest: {},
    includeDev: false,
    ignoreScripts: false,
    cacheDir: '/tmp/npm-cache',
  });
  const container = await docker.createContainer({ Image: ctx.baseImage, Cmd: cmd.argv, WorkingDir: '/app' });
  try {
    await timed(phases, 'install: manifests and lock file into a container', async () =>
      container.putArchive(await installInputs(tree, installFiles, 'package-lock.json'), { path: '/' }),
    );
    await timed(phases, 'install: npm ci', async () => {
      await container.start();
      const r = (await container.wait()) as { StatusCode: number };
      if (r.StatusCode !== 0) throw new Error(`npm ci exited ${r.StatusCode}`);
    });
    mkdirSync(ctx.workDir, { recursive: true });
    const spool = await timed(
      phases,
      'dependency layer: archive of /app/node_modules, spooled and sorted',
      async () =>
        spoolArchive(
          (await container.getArchive({ path: '/app/node_modules' })) as unknown as Readable,
          join(ctx.workDir, 'spool'),
          'app',
        ),
    );
    const tarFile = join(ctx.workDir, 'deps.tar');
    const tar = await timed(phases, 'dependency layer: tar (uncompressed, to a file)', () =>
      writeEntriesTar(spool.entries, DEPENDENCY_EPOCH, tarFile),
    );
    await spool.close();
    return { ...tar, tarFile };
  } finally {
    await container.remove({ force: true });
  }
}

/** The fresh layer's tar into the layout as gzip, then its record: reusable from now on. */
async function compressDependencyLayer(
  ctx: FastPathContext,
  fresh: FreshLayer,
  recordFile: string,
): Promise<LayerRecord> {
  const written = await gzipIntoLayout(ctx.layout, createReadStream(fresh.tarFile), () =>
    ctx.threads > 1 || ctx.level !== 6 ? parallelGzip(ctx.threads, ctx.level) : deterministicGzip(),
  );
  if (written.diffId !== fresh.diffId)
    throw new Error('the dependency layer changed while it was compressed');
  mkdirSync(ctx.recordsDir, { recursive: true });
  const record: LayerRecord = { descriptor: written.descriptor, diffId: written.diffId };
  writeFileSync(recordFile, JSON.stringify(record));
  return record;
}
