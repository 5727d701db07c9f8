import { execFileSync, execSync } from 'node:child_process';

/** The second Docker Engine that `.ci/setup-services.sh` starts; shared by test files, never stopped. */
export const SECOND_ENGINE = 'unix:///var/run/tci-docker2.sock';
export const FIRST_ENGINE = 'unix:///var/run/docker.sock';

/** `docker <args>` against the engine at `host`, its output as text. */
export function dockerOn(host: string, args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: host },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Fails with what to run when the second engine is not there. */
export function requireSecondEngine(): void {
  try {
    dockerOn(SECOND_ENGINE, ['version', '--format', '{{.Server.Version}}']);
  } catch {
    throw new Error(`no Docker Engine at ${SECOND_ENGINE}: run .ci/setup-services.sh`);
  }
}

/** Copies an image of the first engine into `host` (same image ID), unless it is there already. */
export function copyImageTo(ref: string, host = SECOND_ENGINE): void {
  const id = dockerOn(FIRST_ENGINE, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
  try {
    if (dockerOn(host, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim() === id) return;
  } catch {
    // not there yet
  }
  execSync(`docker save ${JSON.stringify(ref)} | DOCKER_HOST=${host} docker load -q`, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** `repository:tag` of the images on `host` whose name contains `part`. */
export function imagesOn(host: string, part: string): string[] {
  return dockerOn(host, ['images', '--format', '{{.Repository}}:{{.Tag}}'])
    .split('\n')
    .filter((l) => l !== '' && l.includes(part));
}

/** The image ID of `ref` on `host`, or undefined. */
export function imageIdOn(host: string, ref: string): string | undefined {
  try {
    return dockerOn(host, ['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
  } catch {
    return undefined;
  }
}

/**
 * Removes the images whose repository contains `part` from `host`, tagged or not (an image
 * pulled by digest has no tag), by ID: tests clean up after themselves.
 */
export function removeImagesOn(host: string, part: string): void {
  const ids = dockerOn(host, ['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}'])
    .split('\n')
    .filter((l) => l.includes(part))
    .map((l) => l.split(' ')[0] as string);
  if (ids.length > 0) dockerOn(host, ['rmi', '-f', ...new Set(ids)]);
}
