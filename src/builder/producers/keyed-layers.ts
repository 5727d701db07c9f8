import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyedLayer, MadeLayer } from '../../build-types/build-type.js';
import { InternalError } from '../../core/user-error.js';
import type { OciDescriptor } from '../../inputs/oci-types.js';
import type { Digest } from '../../inputs/types.js';
import { writeLayerFile } from '../oci/layer-writer.js';
import type { OciLayout } from '../oci/oci-layout.js';
import { keyedLayersDir } from '../state/build-layout.js';
import { readStamp, writeStamp } from '../state/stamp-file.js';
import { secondsSince } from './seconds-since.js';

/** A keyed layer's record, `<base dir>/images/layers/<key>.json`; its blob is in the layout. */
export interface KeyedLayerRecord {
  key: string;
  /** The service that last used it. */
  service: string;
  descriptor: OciDescriptor;
  diffId: Digest;
  notes: Record<string, unknown>;
  /** Milliseconds since 1970 of its last use: the collector keeps each service's latest. */
  usedAt: number;
}

/** A keyed layer as the image being written takes it. */
export interface PlacedKeyedLayer {
  diffId: Digest;
  /** Resolves once the compressed blob is in the layout (at once for a reused layer). */
  descriptor: OciDescriptor | Promise<OciDescriptor>;
  /** What a daemon can load: the uncompressed tar of a new layer, else the compressed blob. */
  loadFile: string;
  loadSize: number;
}

/** Keyed layers a service's layers never need again once this many newer ones exist. */
const KEEP_PER_SERVICE = 2;

/** A keyed layer's timestamps: fixed, so that the layer is a function of its key alone. */
const KEYED_LAYER_EPOCH = 0;

/**
 * The keyed layers of one service's build (`ToolBuildContext.keyedLayer`): each reused from
 * its record when its blob is in the layout, else made, written as an uncompressed tar into the
 * work dir (which a daemon can load at once) and compressed into the layout in the background;
 * the record is written only once the blob is there, so a kill never leaves a record of a
 * layer that is not. `settle` waits for every compression of the build.
 */
export class ServiceKeyedLayers {
  private readonly placed = new Map<KeyedLayer, PlacedKeyedLayer>();
  private readonly compressions: Array<Promise<unknown>> = [];

  constructor(
    private readonly opts: {
      baseDir: string;
      layout: OciLayout;
      service: string;
      workDir: string;
      noCache: boolean;
      /** Progress lines for the live display. */
      onLine(line: string): void;
    },
  ) {}

  async layer(key: string, make: () => Promise<MadeLayer>): Promise<KeyedLayer> {
    if (!/^[0-9a-f]{16,64}$/.test(key)) throw new InternalError(`keyed layer key "${key}" is not a hash`);
    const file = join(keyedLayersDir(this.opts.baseDir), `${key}.json`);
    const found = this.opts.noCache ? undefined : await this.find(file);
    if (found !== undefined) {
      await writeStamp(file, { ...found, service: this.opts.service, usedAt: Date.now() });
      const handle: KeyedLayer = { key, reused: true, notes: found.notes };
      const loadFile = this.opts.layout.blobPath(found.descriptor.digest);
      this.placed.set(handle, { ...found, loadFile, loadSize: found.descriptor.size });
      return handle;
    }
    const made = await make();
    const tar = join(this.opts.workDir, `layer-${key}.tar`);
    const started = Date.now();
    const out = writeLayerFile(made.entries, KEYED_LAYER_EPOCH, tar, this.opts.layout);
    const descriptor = out.compressed.then(async (w) => {
      this.opts.onLine(`layer ${key}: compressed to ${mb(w.descriptor.size)} MB (${secondsSince(started)})`);
      const record = { key, service: this.opts.service, ...w, notes: { ...made.notes }, usedAt: Date.now() };
      await writeStamp(file, record satisfies KeyedLayerRecord);
      return w.descriptor;
    });
    descriptor.catch(() => undefined);
    this.compressions.push(descriptor);
    const written = await out.file.finally(() => made.close?.());
    this.opts.onLine(
      `layer ${key}: ${mb(written.size)} MB in ${made.entries.length} entries (${secondsSince(started)})`,
    );
    const handle: KeyedLayer = { key, reused: false, notes: made.notes };
    this.placed.set(handle, { diffId: written.diffId, descriptor, loadFile: tar, loadSize: written.size });
    return handle;
  }

  /** Where `handle` (one of this build's) is, for the image writer and the daemon load. */
  placement(handle: KeyedLayer): PlacedKeyedLayer {
    const placed = this.placed.get(handle);
    if (placed === undefined) throw new InternalError(`keyed layer ${handle.key} is not of this build`);
    return placed;
  }

  /** Every compression started, finished (failures are the image writer's to report). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.compressions);
  }

  private async find(file: string): Promise<KeyedLayerRecord | undefined> {
    const record = await readStamp<KeyedLayerRecord>(file);
    if (record === undefined || !(await this.opts.layout.hasBlob(record.descriptor.digest))) return undefined;
    return record;
  }
}

/**
 * The blobs of the keyed layers to keep, and the records of the others removed: a layer an
 * image of the layout uses stays, and so do the `KEEP_PER_SERVICE` last used by each service
 * (a branch switched back and forth reuses its layer); the collector then deletes the blobs
 * nothing keeps.
 */
export async function keptKeyedLayers(baseDir: string, inImages: ReadonlySet<string>): Promise<string[]> {
  const dir = keyedLayersDir(baseDir);
  const records: Array<{ file: string; record: KeyedLayerRecord | undefined }> = [];
  for (const name of await readdir(dir).catch(() => [] as string[]))
    records.push({ file: join(dir, name), record: await readStamp<KeyedLayerRecord>(join(dir, name)) });
  const latest = new Set<KeyedLayerRecord>();
  const byService = new Map<string, KeyedLayerRecord[]>();
  for (const { record } of records) {
    if (record?.descriptor === undefined) continue;
    byService.set(record.service, [...(byService.get(record.service) ?? []), record]);
  }
  for (const list of byService.values())
    for (const r of list.sort((a, b) => b.usedAt - a.usedAt).slice(0, KEEP_PER_SERVICE)) latest.add(r);
  const keep: string[] = [];
  for (const { file, record } of records) {
    if (record?.descriptor !== undefined && (latest.has(record) || inImages.has(record.descriptor.digest)))
      keep.push(record.descriptor.digest);
    else await rm(file, { force: true });
  }
  return keep;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
