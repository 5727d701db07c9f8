import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildFromDir, ensureNodeImage, imageExists } from './base-images.js';

const require = createRequire(import.meta.url);

/**
 * The offline Node.js image (ensureNodeImage: the host's node and npm) with Yarn 1.22.22 and
 * pnpm 10.34.9 from this project's devDependencies at /usr/local/lib/node_modules and on PATH,
 * as the official `node` images carry Yarn 1: no corepack, no download. Built once per tag.
 */
export function ensureNodeToolsImage(ref = 'tci-test/node-tools:20'): string {
  if (imageExists(ref)) return ref;
  const dir = mkdtempSync(join(tmpdir(), 'tci-node-tools-'));
  try {
    const yarn = dirname(require.resolve('yarn/package.json'));
    const pnpm = dirname(require.resolve('pnpm'));
    cpSync(yarn, join(dir, 'yarn'), { recursive: true, dereference: true });
    cpSync(pnpm, join(dir, 'pnpm'), { recursive: true, dereference: true });
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        `FROM ${ensureNodeImage()}`,
        'COPY yarn /usr/local/lib/node_modules/yarn',
        'COPY pnpm /usr/local/lib/node_modules/pnpm',
        'RUN ["/bin/ln", "-s", "../lib/node_modules/yarn/bin/yarn.js", "/usr/local/bin/yarn"]',
        'RUN ["/bin/ln", "-s", "../lib/node_modules/pnpm/bin/pnpm.cjs", "/usr/local/bin/pnpm"]',
        '',
      ].join('\n'),
    );
    buildFromDir(ref, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}
