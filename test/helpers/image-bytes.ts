import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listFiles } from './build-rig.js';

/** Every file under `dir` (relative path, bytes), gzip files unpacked: for "X is in no file" checks. */
export function fileBytes(dir: string): Array<{ file: string; bytes: Buffer }> {
  return listFiles(dir).map((file) => {
    const bytes = readFileSync(join(dir, file));
    return { file, bytes: bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes };
  });
}

/** Every byte of the image as `docker save` gives it, saved and unpacked into a new folder of `dir`. */
export function imageBytes(image: string, dir: string): Array<{ file: string; bytes: Buffer }> {
  const out = join(dir, `saved-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out, { recursive: true });
  execFileSync('docker', ['save', '-o', `${out}.tar`, image]);
  execFileSync('tar', ['-x', '-f', `${out}.tar`, '-C', out]);
  return fileBytes(out);
}
