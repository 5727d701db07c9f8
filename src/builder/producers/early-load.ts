import { Readable } from 'node:stream';
import { InternalError } from '../../core/user-error.js';
import tarStream from 'tar-stream';
import type { DockerEngine } from '../engines/docker-engine.js';
import { addSlimEntries, type LoadLayer } from '../oci/docker-load-archive.js';
import { addEntry } from '../oci/layer-writer.js';

/**
 * A slim `docker load` opened before its image is written. Docker's loader unpacks the archive
 * in a re-executed dockerd (`docker-untar`), started when the request's first bytes arrive and
 * some 40 ms from reading them (measured on Docker 20.10 here): sent one folder entry at once,
 * it starts while the tool still writes the image's layers, and a one-line change's image is
 * in the daemon that much sooner. A new layer's tar can go into it as it is made (`addLayer`),
 * so the daemon has unpacked those bytes by the time the image is written. Ended once, by
 * `finish` (the image) or `dismiss` (nothing: an empty manifest, which the loader takes as a
 * load of no image).
 */
export class EarlyLoad {
  private readonly pack = tarStream.pack();
  private readonly archive = Readable.from(this.pack);
  private readonly loaded: Promise<void>;
  private ended = false;
  private layers = 0;
  private dismissed: Promise<void> | undefined;

  constructor(daemon: DockerEngine, label: string, signal: AbortSignal) {
    // A failure here fails the load, which finish or dismiss meets.
    addEntry(this.pack, { name: 'load/', type: 'directory', mode: 0o755, mtime: new Date(0) }).catch(
      () => undefined,
    );
    this.loaded = daemon.loadImage(this.archive, label, signal);
    // Awaited by whichever ends it; a failure meanwhile must not count as unhandled. Nobody
    // reads the archive after one: destroyed, it fails a layer being added instead of
    // holding it (and the compression reading the same bytes) forever.
    this.loaded.catch((e: unknown) => this.pack.destroy(e as Error));
    // That error is the load's, which `loaded` reports: the archive's copy is no news.
    this.archive.on('error', () => undefined);
  }

  /** Whether `finish` may still be called. */
  get open(): boolean {
    return !this.ended;
  }

  /** Whether a layer went into it: `finish` then names that member. */
  get holdsLayers(): boolean {
    return this.layers > 0;
  }

  /**
   * Sends `tar`, of exactly `size` bytes, as the archive's member `name`; resolves once the
   * archive has taken it all (a failed load rejects, and `tar` is unpiped, not destroyed).
   */
  async addLayer(name: string, size: number, tar: Readable): Promise<void> {
    if (this.ended) throw new InternalError(`layer ${name} added to an ended image load`);
    this.layers++;
    await addEntry(this.pack, { name, mtime: new Date(0), mode: 0o644, size }, tar);
  }

  /** The rest of `slimLoadArchive`'s entries; resolves once the daemon has loaded them. */
  async finish(
    ref: string,
    config: Buffer,
    layers: readonly LoadLayer[],
    onSent?: () => void,
  ): Promise<void> {
    this.ended = true;
    // A failure before the end is the caller's to answer (loadNewImage calls onSent then too).
    if (onSent) this.archive.once('end', onSent);
    try {
      await addSlimEntries(this.pack, ref, config, layers);
      this.pack.finalize();
    } catch (e) {
      this.pack.destroy(e as Error);
    }
    await this.loaded;
  }

  /**
   * Ends the load with no image (a code step is about to run, or the build stopped), at most
   * once; best effort. Resolves when the daemon has answered: a caller need not wait for that.
   */
  dismiss(): Promise<void> {
    if (this.ended) return this.dismissed ?? Promise.resolve();
    this.ended = true;
    this.dismissed = (async () => {
      try {
        await addEntry(
          this.pack,
          { name: 'manifest.json', mode: 0o644, mtime: new Date(0) },
          Buffer.from('[]'),
        );
        this.pack.finalize();
        await this.loaded;
      } catch {
        // An interrupted build, an engine gone: nothing was to be loaded anyway.
      }
    })();
    return this.dismissed;
  }
}

/**
 * The image loads of one build: an early one opened as it starts, dismissed before a code step
 * while it holds no layer (a step takes long enough: holding the daemon's unpacker meanwhile
 * would gain nothing; not waited for, the daemon answers while the step starts), and another
 * opened when a new layer is to be streamed into one. The image goes into the open one.
 */
export class BuildLoads {
  private readonly opened: EarlyLoad[] = [];
  private current: EarlyLoad | undefined;

  constructor(private readonly openLoad: () => EarlyLoad) {
    this.current = this.open();
  }

  beforeStep(): void {
    if (this.current?.holdsLayers === false) void this.current.dismiss();
  }

  /** The load a new layer goes into: the open one, else a new one. */
  forLayer(): EarlyLoad {
    return this.current?.open === true ? this.current : (this.current = this.open());
  }

  /** The load the image goes into, if one is still open. */
  forImage(): EarlyLoad | undefined {
    return this.current?.open === true ? this.current : undefined;
  }

  /** Every load ended (a finished one is left as it is); resolves once the daemon answered each. */
  async end(): Promise<void> {
    await Promise.all(this.opened.map((l) => l.dismiss()));
  }

  private open(): EarlyLoad {
    const load = this.openLoad();
    this.opened.push(load);
    return load;
  }
}
