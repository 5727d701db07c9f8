import { OnceByKey } from '../../core/once-by-key.js';
import { GZIP_FORMAT } from '../oci/gzip-format.js';
import { localBaseRecord } from '../state/build-layout.js';
import { isUserError, UserError } from '../../core/user-error.js';
import type { ImageSource, OciDescriptor, OciPlatform } from '../../inputs/oci-types.js';
import type { Digest, RegistryCredentials } from '../../inputs/types.js';
import type { DockerEngine } from '../engines/docker-engine.js';
import { digestOf, type BaseImageDigest } from '../engines/resolve-base-image-digests.js';
import type { OciLayout } from '../oci/oci-layout.js';
import { fetchImage } from '../registry/fetch-image.js';
import { headManifest } from '../registry/head-manifest.js';
import { parseImageRef } from '../registry/parse-image-ref.js';
import { readStamp, writeStamp } from '../state/stamp-file.js';
import { secondsSince } from './seconds-since.js';

export interface AppBaseContext {
  baseDir: string;
  layout: OciLayout;
  engine: DockerEngine;
  /** Why the daemon cannot be used (asked once per build), or undefined. */
  engineUnreachable(): Promise<string | undefined>;
  authFor(ref: string): Promise<RegistryCredentials | undefined>;
  platform: OciPlatform;
  signal: AbortSignal;
  /** Lookups of this build by reference: fifty services on one base ask once. */
  lookups: OnceByKey<string, { found?: BaseImageDigest; failure?: unknown }>;
}

/**
 * Where the base image of a reproducible build comes from, for its build key: its registry
 * digest (then its layers are fetched from the registry and reused byte for byte) or, for an
 * image only the local daemon has, its image ID (then it is exported from the daemon and its
 * layers compressed by the tool). No image is pulled into the daemon for this. A reference to
 * a named registry asks that registry first (no daemon needed); a Docker Hub name asks the
 * daemon first, because Docker Hub limits anonymous pulls and its images are usually pulled
 * already.
 */
export async function resolveAppBaseImage(
  service: string,
  ref: string,
  ctx: AppBaseContext,
): Promise<BaseImageDigest> {
  const { found, failure } = await ctx.lookups.get(ref, () => lookupAppBase(ref, ctx));
  if (found !== undefined) return found;
  const down = await ctx.engineUnreachable();
  const reason = isUserError(failure) ? (failure.problems[0]?.message ?? failure.message) : undefined;
  throw new UserError(
    {
      message:
        `service "${service}": base image "${ref}" is not in its registry` +
        (down === undefined ? ' nor in the Docker daemon' : `, and there is no Docker daemon (${down})`) +
        (reason !== undefined ? `: ${reason}` : ''),
      hint: 'push the base image to a registry (and map it with `images` in the build config), or build where a Docker daemon has it',
    },
    { cause: failure },
  );
}

/** One lookup per reference and build, however many services use it. */
async function lookupAppBase(
  ref: string,
  ctx: AppBaseContext,
): Promise<{ found?: BaseImageDigest; failure?: unknown }> {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(ref)?.[1];
  if (pinned !== undefined) return { found: { ref, digest: pinned, source: 'registry' } };
  const fromRegistry = async () => {
    const digest = await headManifest(ref, await ctx.authFor(ref), { signal: ctx.signal });
    return digest !== undefined ? { ref, digest, source: 'registry' as const } : undefined;
  };
  const fromDaemon = async () => {
    if ((await ctx.engineUnreachable()) !== undefined) return undefined;
    const info = await ctx.engine.imageInfo(ref);
    return info !== undefined ? digestOf(ref, info) : undefined;
  };
  const order =
    parseImageRef(ref).registry === 'docker.io' ? [fromDaemon, fromRegistry] : [fromRegistry, fromDaemon];
  let failure: unknown;
  for (const lookup of order) {
    try {
      const found = await lookup();
      if (found !== undefined) return { found };
    } catch (e) {
      if (!isUserError(e)) throw e;
      failure ??= e;
    }
  }
  return { failure };
}

/** `<repository>@<digest>` of a registry base. */
export function pinnedRef(base: BaseImageDigest): string {
  const { registry, repository } = parseImageRef(base.ref);
  return `${registry}/${repository}@${base.digest}`;
}

interface LocalBaseRecord {
  configDigest: Digest;
  layers: OciDescriptor[];
}

/**
 * The base image with every layer blob in the layout, fetched or exported once per digest
 * (concurrent calls for one base share the work): the layers an image written on it references.
 */
export class AppBaseSources {
  private readonly pending = new OnceByKey<string, ImageSource>();

  constructor(private readonly ctx: AppBaseContext) {}

  /** `onLine` hears of a slow export (the first service to ask for that base does the work). */
  inLayout(base: BaseImageDigest, onLine: (line: string) => void = () => undefined): Promise<ImageSource> {
    // Shared while it runs; afterwards the layout answers.
    return this.pending.get(base.digest, () =>
      (base.source === 'registry' ? this.fetch(base) : this.export(base, onLine)).finally(() =>
        this.pending.forget(base.digest),
      ),
    );
  }

  /** The image straight from its registry (layers streamed on demand), e.g. for runc. */
  async fromRegistry(base: BaseImageDigest): Promise<ImageSource> {
    const ref = pinnedRef(base);
    const source = await fetchImage(ref, await this.ctx.authFor(ref), {
      platform: this.ctx.platform,
      signal: this.ctx.signal,
    });
    if (source === undefined) {
      throw new UserError({ message: `base image ${ref} is no longer in its registry` });
    }
    return source;
  }

  private async fetch(base: BaseImageDigest): Promise<ImageSource> {
    const source = await this.fromRegistry(base);
    const { layout } = this.ctx;
    for (const layer of source.layers) {
      if (!(await layout.hasBlob(layer.digest))) await layout.writeBlob(await layer.open(), layer.digest);
    }
    return {
      ...source,
      layers: source.layers.map((l) => ({ ...l, open: async () => layout.openBlob(l.digest) })),
    };
  }

  private async export(base: BaseImageDigest, onLine: (line: string) => void): Promise<ImageSource> {
    const { layout, baseDir } = this.ctx;
    const recordFile = localBaseRecord(baseDir, base.digest, GZIP_FORMAT);
    const record = await readStamp<LocalBaseRecord>(recordFile);
    if (
      record !== undefined &&
      (await allPresent(layout, [record.configDigest, ...record.layers.map((l) => l.digest)]))
    ) {
      const configBytes = await layout.readBlob(record.configDigest);
      return {
        display: `${base.ref} (${base.digest}, from the Docker daemon)`,
        configDigest: record.configDigest,
        config: JSON.parse(configBytes.toString('utf8')) as ImageSource['config'],
        configBytes,
        layers: record.layers.map((l) => ({ ...l, open: async () => layout.openBlob(l.digest) })),
      };
    }
    const { importDockerArchive } = await import('../oci/import-docker-archive.js');
    const display = `${base.ref} (${base.digest}, from the Docker daemon)`;
    // Silent, this reads as a hang: a 300 MB base takes some 20 s to compress on two cores.
    onLine(
      `base image ${base.ref}: only in the Docker daemon, exported and compressed into the base dir once`,
    );
    const started = Date.now();
    const source = await importDockerArchive(
      layout,
      await this.ctx.engine.exportImage(base.digest, this.ctx.signal),
      display,
    );
    if (source.configDigest !== base.digest) {
      throw new UserError({
        message: `the Docker daemon exported ${base.ref} as ${source.configDigest}, not ${base.digest}`,
      });
    }
    onLine(
      `base image ${base.ref}: ${source.layers.length} layers in the base dir (${secondsSince(started)})`,
    );
    await writeStamp(recordFile, {
      configDigest: source.configDigest,
      layers: source.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    } satisfies LocalBaseRecord);
    return source;
  }
}

async function allPresent(layout: OciLayout, digests: string[]): Promise<boolean> {
  for (const d of digests) if (!(await layout.hasBlob(d))) return false;
  return true;
}
