import { join } from 'node:path';

/**
 * Where each kind of state lives in the base dir. One place, so `--no-cache`, the docs and the
 * tests agree: `git/` clones (owned by source/), `services/<name>/` per-service state,
 * `logs/<name>/<step>.log` the latest log of each step, `images/` the images the tool writes,
 * `runc/` unpacked images and containers of steps run without a daemon, `build.lock` the lock.
 * Under `images/`: `oci/` the layout, `local-bases/` base images exported from the daemon,
 * `layers/` keyed layers, `probes/` what images answered about themselves.
 */
export function serviceDir(baseDir: string, service: string): string {
  return join(baseDir, 'services', service);
}

export function serviceInputsFile(baseDir: string, service: string): string {
  return join(serviceDir(baseDir, service), 'last-build.json');
}

export function serviceWorkDir(baseDir: string, service: string): string {
  return join(serviceDir(baseDir, service), 'work');
}

export function serviceCacheDir(baseDir: string, service: string): string {
  return join(serviceDir(baseDir, service), 'cache');
}

export function stepLogFile(baseDir: string, service: string, step: string): string {
  return join(baseDir, 'logs', service, `${step}.log`);
}

/** On several engines: which engine holds the service's last image. */
export function serviceEngineFile(baseDir: string, service: string): string {
  return join(serviceDir(baseDir, service), 'engine.json');
}

/** The OCI image layout of the images the tool writes itself (node, heroku-buildpack). */
export function imageLayoutDir(baseDir: string): string {
  return join(baseDir, 'images', 'oci');
}

/** Records of base images exported from the daemon: their layers as stored in the layout. */
export function localBasesDir(baseDir: string): string {
  return join(baseDir, 'images', 'local-bases');
}

/**
 * `<image ID>.<gzip format>.json`: an export compressed another way (an older tool's) has other
 * blob digests, and images made on it other digests, so it is not this tool's to reuse.
 */
export function localBaseRecord(baseDir: string, imageId: string, gzipFormat: string): string {
  return join(localBasesDir(baseDir), `${imageId.replace(/^sha256:/, '')}.${gzipFormat}.json`);
}

/** Records of keyed layers (a `node` service's dependencies): `<key>.json`, their blobs in the layout. */
export function keyedLayersDir(baseDir: string): string {
  return join(baseDir, 'images', 'layers');
}

/** What a command printed in a container of an image, by image digest and command (`probe`). */
export function imageProbesDir(baseDir: string): string {
  return join(baseDir, 'images', 'probes');
}

export function runcStateDir(baseDir: string): string {
  return join(baseDir, 'runc');
}
