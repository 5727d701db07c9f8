import { join } from 'node:path';

/**
 * Where each kind of state lives in the base dir. One place, so `--no-cache`, the docs and the
 * tests agree: `git/` clones (owned by source/), `services/<name>/` per-service state,
 * `logs/<name>/<step>.log` the latest log of each step, `build.lock` the lock.
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
