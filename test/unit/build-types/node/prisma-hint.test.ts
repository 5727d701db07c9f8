import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prismaHint } from '../../../../src/build-types/node/prisma-hint.js';

const hint = prismaHint('node:20');

describe('prismaHint', () => {
  it('names the engines download and the ways to give the engines', () => {
    // prisma generate 7.10 in a container that resolves only the npm registry.
    const lines = [
      'Loaded Prisma config from prisma.config.ts.',
      'Error: request to https://binaries.prisma.sh/all_commits/d1b3f377ca835d73fd50954a5e22128b9ebdd6b8/debian-openssl-3.0.x/schema-engine.gz.sha256 failed, reason: getaddrinfo ENOTFOUND binaries.prisma.sh',
    ];
    assert.match(
      hint(lines) ?? '',
      /binaries\.prisma\.sh, which node:20 cannot reach: set env PRISMA_ENGINES_MIRROR/,
    );
  });

  it('says the client was not generated when tsc finds no model in @prisma/client', () => {
    // As a trial's tsc said (Prisma 5.7): the generate of the install had failed silently.
    const lines = [
      '> npx tsc -p .',
      `src/user.ts(2,10): error TS2305: Module '"@prisma/client"' has no exported member 'User'.`,
    ];
    assert.match(hint(lines) ?? '', /^the Prisma client was not generated: .*prisma generate && tsc/);
  });

  it('is silent otherwise', () => {
    assert.equal(hint(["src/main.ts(1,1): error TS2304: Cannot find name 'x'."]), undefined);
  });
});
