import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/run-cli.js';
import { writeSpecDir } from '../helpers/spec-dir.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Bad engines stop the build before any work: one paragraph naming the flag (exit 2) or the
 * build config file, line and entry (exit 1), no stack trace, no release, no base dir.
 */
async function project(buildConfig?: string): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, 'spec'));
  await writeSpecDir(join(dir, 'spec'), 'resources: []\n', { name: 'api', source: './api#main' });
  if (buildConfig !== undefined) await writeFile(join(dir, 'build-config.yml'), buildConfig);
  return dir;
}

async function build(dir: string, ...args: string[]) {
  const o = await runCli(['build', '--base-dir', 'base', ...args, 'spec', 'release.json'], { cwd: dir });
  assert.doesNotMatch(o.stderr, /^\s+at |internal error/m);
  assert.equal(existsSync(join(dir, 'release.json')), false, 'no release');
  assert.equal(existsSync(join(dir, 'base')), false, 'no base dir');
  return { code: o.code, errors: o.stderr.trim().split('\n') };
}

describe('build --engine and engines: errors', () => {
  it('bad --engine values are usage errors (exit 2) naming the flag', async () => {
    const dir = await project();
    assert.deepEqual(
      await build(dir, '--engine', 'builder-1:2375', '--engine', 'tcp://b2,concurrency=many'),
      {
        code: 2,
        errors: [
          'error: --engine builder-1:2375: the scheme "builder-1" is not supported (hint: use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port])',
          'error: --engine tcp://b2,concurrency=many: concurrency must be a whole number, 1 or more',
        ],
      },
    );
  });

  it('bad engines entries name the build config file, line and entry (exit 1)', async () => {
    const dir = await project(
      'engines:\n  - unix:///var/run/docker.sock\n  - {endpoint: "tcp://b2:2376", certPath: no-such-certs}\n  - unix:///var/run/docker.sock\n',
    );
    assert.deepEqual(await build(dir), {
      code: 1,
      errors: [
        `error: build-config.yml:3: engines[1]: engine tcp://b2:2376: cannot read the TLS certificates (ca.pem, cert.pem, key.pem) from ${join(dir, 'no-such-certs')} (ENOENT)`,
        'error: build-config.yml:4: engines[2]: engine unix:///var/run/docker.sock is listed twice (hint: give each engine once; its concurrency says how many builds it takes at once)',
      ],
    });
  });

  it('an engine entry of the wrong shape is a schema error with its line', async () => {
    const dir = await project('engines:\n  - {endpoint: "tcp://b2", concurrency: 0}\n');
    assert.deepEqual(await build(dir), {
      code: 1,
      errors: [
        'error: build-config.yml:2: engines[0].concurrency: must be a whole number of image builds at once, 1 or more',
      ],
    });
  });
});
