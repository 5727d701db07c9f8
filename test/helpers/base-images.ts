import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Docker images made offline from the host's own binaries (no Docker Hub here). */

export function imageExists(ref: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `docker build` of a folder with the legacy builder (fast for these few-step images), quietly. */
export function buildFromDir(ref: string, dir: string): void {
  execFileSync('docker', ['build', '-q', '-t', ref, dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
}

/**
 * Builds `ref` from `dockerfile` in a temporary folder, with the files `fill` puts beside it;
 * the folder is removed afterwards.
 */
export function buildImage(ref: string, dockerfile: string, fill: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tci-image-'));
  try {
    fill(dir);
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    buildFromDir(ref, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}

/** A 2 MB busybox image `FROM scratch`. */
export function ensureBusyboxImage(ref = 'tci-test/busybox:latest'): string {
  if (imageExists(ref)) return ref;
  return buildImage(
    ref,
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nRUN mkdir -p /tmp /usr/bin && ln -s /bin/env /usr/bin/env\n',
    (dir) => copyFileSync('/bin/busybox', join(dir, 'busybox')),
  );
}

/**
 * A Node.js runtime image: the host's node binary and its shared libraries, npm, busybox and
 * the CA bundle, `FROM scratch` (about 100 MB). Tagged `node:20` by default, the name a `node`
 * build type with `node: 20` expects.
 */
export function ensureNodeImage(ref = 'node:20'): string {
  if (imageExists(ref)) return ref;
  return buildImage(
    ref,
    'FROM scratch\nCOPY root/ /\nRUN ["/bin/busybox","--install","-s","/bin"]\nRUN mkdir -p /tmp && chmod 1777 /tmp\nENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root\n',
    (dir) => nodeRoot(join(dir, 'root')),
  );
}

/** The host's node binary and its shared libraries, npm, busybox and the CA bundle under `root`. */
function nodeRoot(root: string): void {
  const nodeBin = execFileSync('which', ['node'], { encoding: 'utf8' }).trim();
  const put = (src: string, dest = src) => {
    mkdirSync(dirname(join(root, dest)), { recursive: true });
    cpSync(src, join(root, dest), { dereference: true, recursive: true });
  };
  put(nodeBin, '/usr/local/bin/node');
  const ldd = execFileSync('ldd', [nodeBin], { encoding: 'utf8' });
  for (const m of ldd.matchAll(/(\/[^\s]+\.so[^\s]*)/g)) put(m[1] as string);
  put('/etc/ssl/certs/ca-certificates.crt');
  const npmDir = join(dirname(dirname(nodeBin)), 'lib/node_modules/npm');
  put(npmDir, '/usr/local/lib/node_modules/npm');
  put('/bin/busybox');
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  symlinkSync('/bin/env', join(root, 'usr/bin/env'));
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
}

/**
 * A busybox image with an image ID of its own (a label makes it distinct), tagged `ref`, so a
 * test can find its containers with `docker ps --filter ancestor=<ref>` while other test files
 * run containers of the shared busybox image at the same time.
 */
export function distinctBusyboxImage(ref: string): string {
  return buildImage(ref, `FROM ${ensureBusyboxImage()}\nLABEL tci.test.image=${JSON.stringify(ref)}\n`);
}
