import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fetchImage } from '../src/builder/registry/fetch-image.js';
import { pushImage } from '../src/builder/registry/push-image.js';
import { MEDIA_TYPES, type BlobSource } from '../src/inputs/oci-types.js';
import type { Digest, ImageRef } from '../src/inputs/types.js';
import { startRegistry } from '../test/helpers/registry.js';
import { formatTable, type Figure } from './figure.js';
import { median, timeCommand } from './time-command.js';

/**
 * `node --import tsx bench/registry-client.bench.ts`: the daemonless registry client moving one
 * large incompressible layer (BENCH_LAYER_MB, default 256) to and from a loopback registry,
 * against curl doing the same single PUT / GET in the same run (the floor: bytes over loopback
 * into the registry's store, no hashing on our side). Also the process's peak memory, which
 * shows the layer is streamed, not held. Median of BENCH_SLOW_RUNS (default 3) runs.
 */
const layerMb = Number(process.env['BENCH_LAYER_MB'] ?? 256);
const runs = Number(process.env['BENCH_SLOW_RUNS'] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'tci-bench-registry-'));
const registry = await startRegistry();
const ns = `bench-${process.pid}`;

try {
  // Written and hashed a MiB at a time, so the peak memory below is the client's own.
  const file = join(dir, 'layer');
  const hash = createHash('sha256');
  for (let i = 0; i < layerMb; i++) {
    const mib = randomBytes(1024 * 1024);
    appendFileSync(file, mib);
    hash.update(mib);
  }
  const layerBytes = layerMb * 1024 * 1024;
  const layer: BlobSource = {
    mediaType: MEDIA_TYPES.ociLayerGzip,
    digest: `sha256:${hash.digest('hex')}` as Digest,
    size: layerBytes,
    open: async () => createReadStream(file, { highWaterMark: 1024 * 1024 }),
  };
  const config = memoryBlob(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    }),
  );
  const rssBefore = process.resourceUsage().maxRSS / 1024;

  let n = 0;
  const timed = async (work: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    }
    return samples;
  };
  // A new repository per run, so the layer really goes up each time.
  const push = (chunkBytes: number) => () =>
    pushImage({
      ref: `${registry.host}/${ns}/push${++n}:v1` as ImageRef,
      manifest: { mediaType: MEDIA_TYPES.ociManifest, bytes: manifest },
      blobs: [config, layer],
      auth: undefined,
      chunkBytes,
    });
  const chunked = await timed(push(64 * 1024 * 1024));
  const whole = await timed(push(layerBytes));
  const curlPut = await timed(async () => {
    const location = execFileSync(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%header{location}',
        '-X',
        'POST',
        `http://${registry.host}/v2/${ns}/curl${++n}/blobs/uploads/`,
      ],
      { encoding: 'utf8' },
    );
    const url = new URL(location, `http://${registry.host}`);
    url.searchParams.set('digest', layer.digest);
    await timeCommand('curl', [
      '-sS',
      '-f',
      '-T',
      file,
      '-H',
      'Content-Type: application/octet-stream',
      url.href,
    ]);
  });
  const image = await fetchImage(`${registry.host}/${ns}/push1:v1`, undefined);
  const fetched = await timed(async () => {
    for await (const chunk of await image!.layers[0]!.open()) void chunk;
  });
  const curlGet = await timed(() =>
    timeCommand('curl', [
      '-sS',
      '-f',
      '-o',
      '/dev/null',
      `http://${registry.host}/v2/${ns}/push1/blobs/${layer.digest}`,
    ]),
  );
  const peak = process.resourceUsage().maxRSS / 1024;

  const figure = (name: string, samples: number[], baseline: number[]): Figure => ({
    name,
    value: median(samples),
    unit: 'ms',
    samples,
    note: `baseline (curl) ${median(baseline).toFixed(0)} ms; ${(median(samples) / median(baseline)).toFixed(2)}x its time; ${((layerMb / median(samples)) * 1000).toFixed(0)} MB/s`,
  });
  const figures = [
    figure(`push ${layerMb} MB layer, 64 MiB chunks`, chunked, curlPut),
    figure(`push ${layerMb} MB layer, one PUT`, whole, curlPut),
    figure(`fetch ${layerMb} MB layer, verified`, fetched, curlGet),
    {
      name: 'peak memory of this process (maxRSS)',
      value: peak,
      unit: 'MB' as const,
      note: `${rssBefore.toFixed(0)} MB before the first push (Node, tsx and the modules): moving the layer added ${(peak - rssBefore).toFixed(0)} MB`,
    },
  ];
  process.stdout.write(formatTable(figures) + '\n');
  for (const f of figures)
    process.stdout.write(
      `- ${f.name}: ${f.samples ? `samples (ms): ${f.samples.map((s) => s.toFixed(0)).join(', ')}; ` : ''}${f.note}\n`,
    );
} finally {
  await registry.stop();
  rmSync(dir, { recursive: true, force: true });
}

function memoryBlob(bytes: Buffer): BlobSource {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
  return {
    mediaType: MEDIA_TYPES.ociConfig,
    digest,
    size: bytes.length,
    open: async () => Readable.from([bytes]),
  };
}
