import { execFileSync } from 'node:child_process';

/** Removes every local image whose reference matches `pattern` (e.g. `tci-test-node-42/*`). */
export function removeImages(pattern: string): void {
  removeImagesWhere(`reference=${pattern}`);
}

/** Removes every local image `docker images --filter <filter>` lists, untagged ones included. */
export function removeImagesWhere(filter: string): void {
  const ids = execFileSync('docker', ['images', '-q', '--filter', filter], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l !== '');
  if (ids.length > 0) execFileSync('docker', ['image', 'rm', '-f', ...new Set(ids)], { stdio: 'ignore' });
}
