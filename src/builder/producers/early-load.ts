import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { DockerEngine } from '../engines/docker-engine.js';
import { addSlimEntries, type LoadLayer } from '../oci/docker-load-archive.js';
import { addEntry } from '../oci/layer-writer.js';

/**
 * A slim `docker load` opened before its image is written. Docker's loader unpacks the archive
 * in a re-executed dockerd (`docker-untar`), started when the request's first bytes arrive and
 * some 40 ms from reading them (measured on Docker 20.10 here): sent one folder entry at once,
 * it starts while the tool still writes the image's layers, and a one-line change's image is
 * in the daemon that much sooner. Ended once, by `finish` (the image) or `dismiss` (nothing:
 * an empty manifest, which the loader takes as a load of no image).
 */
export class EarlyLoad {
  private readonly pack = tarStream.pack();
  private readonly archive = Readable.from(this.pack);
  private readonly loaded: Promise<void>;
  private ended = false;
  private dismissed: Promise<void> | undefined;

  constructor(daemon: DockerEngine, label: string, signal: AbortSignal) {
    // A failure here fails the load, which finish or dismiss meets.
    addEntry(this.pack, { name: 'load/', type: 'directory', mode: 0o755, mtime: new Date(0) }).catch(
      () => undefined,
    );
    this.loaded = daemon.loadImage(this.archive, label, signal);
    // Awaited by whichever ends it; a failure meanwhile must not count as unhandled. Nobody
    // reads the archive after one: destroyed, it fails `finish` at once instead of holding it
    // (a layer file waiting to be sent) for ever, and the image is loaded whole.
    this.loaded.catch((e: unknown) => this.pack.destroy(e as Error));
    // That error is the load's, which `loaded` reports: the archive's copy is no news.
    this.archive.on('error', () => undefined);
  }

  /** Whether `finish` may still be called. */
  get open(): boolean {
    return !this.ended;
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
