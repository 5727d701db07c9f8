import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestStack {
  /** `heroku-<N>`, the spec's `stack` field. */
  stack: string;
  /** The build config's `images` map: the stack's default image names → the stand-ins. */
  images: Record<string, string>;
  build: string;
  run: string;
  /** Removes both images. */
  remove(): void;
}

function buildImage(ref: string, kind: 'build' | 'run'): void {
  const dir = mkdtempSync(join(tmpdir(), 'tci-stack-'));
  try {
    copyFileSync('/bin/busybox', join(dir, 'busybox'));
    // A non-root user (uid 1000, as the buildpack runs) and a world-writable /tmp, as on Heroku.
    writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nu1000:x:1000:1000::/app:/bin/sh\n');
    writeFileSync(join(dir, 'group'), 'root:x:0:\nu1000:x:1000:\n');
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'RUN ["/bin/busybox","--install","-s","/bin"]',
        'COPY passwd group /etc/',
        'RUN mkdir -p /tmp /usr/bin /root && chmod 1777 /tmp && ln -s /bin/env /usr/bin/env',
        // Lets a test tell which of the two images an image was made from.
        `RUN echo ${kind} > /etc/stack-image`,
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        // An image ID of its own: identical layers from another test file would share the ID,
        // and `docker ps --filter ancestor=` would then see that file's containers too.
        `LABEL tci.test.image=${JSON.stringify(ref)}`,
        '',
      ].join('\n'),
    );
    // No cache: the legacy builder would reuse another test file's intermediate images for the
    // steps before the label, which that file's `remove` may delete mid-build ("unable to find
    // image sha256:…", seen in a full run).
    execFileSync('docker', ['build', '-q', '--no-cache', '-t', ref, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Offline stand-ins for `heroku/heroku:<N>-build` and `heroku/heroku:<N>`: busybox `FROM
 * scratch`, a few MB each. Tags are unique per process (`tag` tells tests of one file apart), so
 * parallel test files never share or remove each other's images; use `images` in the build config.
 */
export function makeTestStack(n = 16, tag = 'a'): TestStack {
  const name = `tci-test-stack-${process.pid}-${tag}`;
  const build = `${name}:${n}-build`;
  const run = `${name}:${n}`;
  buildImage(build, 'build');
  buildImage(run, 'run');
  return {
    stack: `heroku-${n}`,
    images: { [`heroku/heroku:${n}-build`]: build, [`heroku/heroku:${n}`]: run },
    build,
    run,
    remove() {
      execFileSync('docker', ['image', 'rm', '-f', build, run], { stdio: 'ignore' });
    },
  };
}
