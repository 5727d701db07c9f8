import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

/** One npm package made here: its manifest and files (paths relative to the package root). */
export interface GeneratedPackage {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  scripts?: Record<string, string>;
  /** Command name → file: what the package installs into `node_modules/.bin`. */
  bin?: Record<string, string>;
  /** Relative path → content; `package.json` is written from the fields above. */
  files: Record<string, string>;
}

export interface PackageSetOptions {
  /** Distinct package names (a few also get a second major version, which npm nests). */
  count: number;
  /** Average files per package. */
  filesPerPackage: number;
  /** Median file size in bytes; sizes spread like a real node_modules (median 1 KB, p90 ~10 KB). */
  medianFileBytes?: number;
  seed?: number;
  /** Package names are `<prefix><index>`. */
  prefix?: string;
}

/** mulberry32: a small seeded generator, so the same options give the same packages. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'value options result callback module exports require function return const let this ' +
  'prototype length object string number buffer stream error promise resolve reject ' +
  'index config handler request response encode decode parse format serialize channel ' +
  'metadata status deadline service client server message field type descriptor'
).split(' ');

/** JavaScript-like text that compresses about as well as real package code (5–6x with gzip). */
function codeText(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const w = () => WORDS[Math.floor(rand() * WORDS.length)] as string;
    const n = Math.floor(rand() * 100000);
    const line =
      rand() < 0.3
        ? `  ${w()}${n % 97}.${w()} = ${w()}(${w()}, ${n});`
        : `function ${w()}_${n.toString(36)}(${w()}, ${w()}) { return ${w()}.${w()}(${w()} + ${n % 1000}); }`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, bytes) + '\n';
}

/** A file size with a real node_modules' spread: log-normal around the median, capped at 1 MB. */
function fileSize(rand: () => number, median: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Math.max(60, Math.min(1 << 20, Math.round(median * Math.exp(1.6 * normal))));
}

/**
 * A set of packages whose dependencies form a connected acyclic graph: installing the first
 * `roots` of them installs all of them. Each package's `index.js` requires its dependencies, so
 * an app that requires the roots loads the whole tree. Deterministic for the same options.
 */
export function generatePackageSet(opts: PackageSetOptions): GeneratedPackage[] {
  const rand = random(opts.seed ?? 1);
  const prefix = opts.prefix ?? 'gen-pkg-';
  const median = opts.medianFileBytes ?? 1000;
  const names = Array.from({ length: opts.count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  const deps: Array<Record<string, string>> = names.map(() => ({}));
  // Every package past the first few is a dependency of an earlier one: one connected tree.
  const roots = Math.min(15, opts.count);
  for (let i = roots; i < opts.count; i++) {
    const parent = Math.floor(rand() * i);
    (deps[parent] as Record<string, string>)[names[i] as string] = '^1.0.0';
    if (rand() < 0.5) {
      const other = Math.floor(rand() * i);
      (deps[other] as Record<string, string>)[names[i] as string] = '^1.0.0';
    }
  }
  const packages: GeneratedPackage[] = [];
  for (let i = 0; i < opts.count; i++) {
    const name = names[i] as string;
    packages.push(
      makePackage(rand, name, '1.0.0', deps[i] as Record<string, string>, opts.filesPerPackage, median),
    );
  }
  // A second major version of every 20th package, required by a later one: npm nests it.
  for (let i = roots; i + 1 < opts.count; i += 20) {
    const name = names[i] as string;
    packages.push(makePackage(rand, name, '2.0.0', {}, Math.ceil(opts.filesPerPackage / 2), median));
    const user = packages[i + 1] as GeneratedPackage;
    if (!(name in user.dependencies)) user.dependencies[name] = '^2.0.0';
    user.files['index.js'] = indexJs(user.name, user.dependencies);
  }
  return packages;
}

/** The names the app should depend on so that everything is installed. */
export function rootPackages(set: readonly GeneratedPackage[]): string[] {
  return set
    .filter((p) => p.version === '1.0.0')
    .slice(0, 15)
    .map((p) => p.name);
}

function indexJs(name: string, dependencies: Record<string, string>): string {
  const requires = Object.keys(dependencies).map((d) => `require(${JSON.stringify(d)})`);
  return `module.exports = { name: ${JSON.stringify(name)}, deps: [${requires.join(', ')}] };\n`;
}

function makePackage(
  rand: () => number,
  name: string,
  version: string,
  dependencies: Record<string, string>,
  filesPerPackage: number,
  median: number,
): GeneratedPackage {
  const files: Record<string, string> = { 'index.js': indexJs(name, dependencies) };
  const n = Math.max(3, Math.round(filesPerPackage * (0.5 + rand())));
  for (let f = 0; f < n - 1; f++) {
    const dir = f % 3 === 0 ? 'lib' : f % 3 === 1 ? 'lib/internal' : 'build/src';
    const ext = f % 5 === 4 ? 'd.ts' : 'js';
    files[`${dir}/file-${f}.${ext}`] = codeText(rand, fileSize(rand, median));
  }
  return { name, version, dependencies, files };
}

/** The package's `package.json` as `npm pack` would put it in the tarball. */
export function manifestOf(p: GeneratedPackage): Record<string, unknown> {
  return {
    name: p.name,
    version: p.version,
    main: 'index.js',
    dependencies: p.dependencies,
    ...(p.scripts !== undefined ? { scripts: p.scripts } : {}),
    ...(p.bin !== undefined ? { bin: p.bin } : {}),
  };
}

/** The package as an npm tarball (`package/…` entries, gzip), with its sha1 and sha512 integrity. */
export async function packTarball(
  p: GeneratedPackage,
): Promise<{ bytes: Buffer; shasum: string; integrity: string }> {
  const pack = tarStream.pack();
  const mtime = new Date('1985-10-26T08:15:00Z');
  const all = { 'package.json': JSON.stringify(manifestOf(p), null, 2), ...p.files };
  for (const [path, content] of Object.entries(all)) {
    const mode = /^(bin|scripts)\//.test(path) ? 0o755 : 0o644;
    pack.entry({ name: `package/${path}`, mode, mtime }, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = gzipSync(Buffer.concat(chunks), { level: 1 });
  return {
    bytes,
    shasum: createHash('sha1').update(bytes).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
  };
}
