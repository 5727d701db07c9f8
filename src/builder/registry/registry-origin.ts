/**
 * Where the distribution API of `registry` (as written in an image reference) is served:
 * Docker Hub's API host for `docker.io`; plain HTTP for loopback registries, as the Docker
 * daemon does, and HTTPS for everything else.
 */
export function registryOrigin(registry: string): URL {
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return new URL(`${isLoopbackHost(host) ? 'http' : 'https'}://${host}`);
}

/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '[::1]';
}
