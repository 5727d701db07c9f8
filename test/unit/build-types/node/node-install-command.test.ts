import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeInstallCommand } from '../../../../src/build-types/node/node-install-command.js';

describe('nodeInstallCommand', () => {
  it('installs production dependencies from the lock file without lifecycle scripts', () => {
    assert.equal(
      nodeInstallCommand('npm'),
      'npm ci --omit=dev --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache && rm -rf /tmp/npm-cache',
    );
    assert.equal(
      nodeInstallCommand('yarn'),
      '{ command -v yarn >/dev/null || COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack enable yarn; } && ' +
        'yarn install --frozen-lockfile --production --ignore-scripts --non-interactive --cache-folder /tmp/yarn-cache && ' +
        'rm -rf /tmp/yarn-cache',
    );
    assert.equal(
      nodeInstallCommand('pnpm'),
      '{ command -v pnpm >/dev/null || COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack enable pnpm; } && ' +
        'pnpm install --frozen-lockfile --prod --ignore-scripts --store-dir /tmp/pnpm-store && rm -rf /tmp/pnpm-store',
    );
  });

  it('with a build script: installs everything, runs it, then prunes dev dependencies in the same layer', () => {
    assert.equal(
      nodeInstallCommand('npm', "it's"),
      'npm ci --include=dev --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache && ' +
        `npm run 'it'\\''s' && ` +
        'npm prune --omit=dev --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache && rm -rf /tmp/npm-cache',
    );
    assert.equal(
      nodeInstallCommand('pnpm', 'build'),
      '{ command -v pnpm >/dev/null || COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack enable pnpm; } && ' +
        "pnpm install --frozen-lockfile --ignore-scripts --store-dir /tmp/pnpm-store && pnpm run 'build' && " +
        'pnpm prune --prod --ignore-scripts && rm -rf /tmp/pnpm-store',
    );
  });
});
