import dockerignore from '@balena/dockerignore';
import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pack } from 'tar-fs';

/**
 * The tar stream of a build context, with `.dockerignore` applied as the docker CLI does.
 * dockerode's own `{context, src}` form matches `.dockerignore` only against the top-level
 * entries it is given (nested paths reach the matcher as absolute paths) and drops the
 * Dockerfile when `.dockerignore` names it; the CLI always sends the Dockerfile and
 * `.dockerignore`, and the legacy builder removes them after reading when they are ignored. So
 * we list every file ourselves and filter with the matcher dockerode uses.
 * The engine's BuildKit (Docker 20.10) reads neither: it takes an archive as the context as it
 * is, so for it (`forBuildkit`) an ignored `.dockerignore` is left out like any other file. The
 * Dockerfile stays, ignored or not, since BuildKit reads it from the archive; `COPY .` then sees
 * it (the docker CLI, which sends the Dockerfile apart from the context, would leave it out).
 * The context comes from a git tree, which holds no empty directories: files are all we need.
 */
export async function packBuildContext(
  dir: string,
  dockerfile: string,
  opts: { forBuildkit?: boolean } = {},
): Promise<Readable> {
  const files = await listFiles(dir, '');
  const rules = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => undefined);
  let entries = files;
  if (rules !== undefined) {
    // A CommonJS module whose types declare an ES default export: under NodeNext the default
    // import is the CommonJS exports object, which carries the function as `.default`.
    const ig = dockerignore.default({ ignorecase: false }).add(rules);
    const keep = new Set([posix.normalize(dockerfile), ...(opts.forBuildkit ? [] : ['.dockerignore'])]);
    entries = files.filter((f) => keep.has(f) || !ig.ignores(f));
  }
  // tar-fs 2 packs with its own tar-stream 2, a Node Readable; its types name the top-level
  // tar-stream, whose v3 types describe a streamx stream.
  return pack(dir, { entries }) as unknown as Readable;
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  const dirents = await readdir(join(root, rel), { withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of dirents) {
    const path = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out;
}
