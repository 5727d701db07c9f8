import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ensureNodeToolsImage } from '../../../helpers/node-tools-image.js';

const require = createRequire(import.meta.url);
// pnpm exports only its package.json, as its main entry.
const version = (pkg: string) =>
  (require(pkg === 'pnpm' ? 'pnpm' : `${pkg}/package.json`) as { version: string }).version;

describe('the offline Node.js image with package managers', () => {
  it('runs the Yarn 1 and pnpm of this project, with no download', () => {
    const out = execFileSync(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'none',
        ensureNodeToolsImage(),
        'sh',
        '-c',
        'yarn --version && pnpm --version',
      ],
      { encoding: 'utf8' },
    );
    assert.deepEqual(out.trim().split('\n'), [version('yarn'), version('pnpm')]);
  });
});
