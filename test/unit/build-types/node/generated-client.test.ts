import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeGeneratedClients } from '../../../../src/build-types/node/generated-client.js';
import type { LayerEntry } from '../../../../src/inputs/oci-types.js';

const dir = (path: string): LayerEntry => ({ path, type: 'directory' });

describe('placeGeneratedClients', () => {
  it("puts each staged .prisma in its folder's node_modules, opaque, and keeps the order", () => {
    const entries = [
      dir('app'),
      dir('app/.taskcluster-installer-prisma'),
      dir('app/.taskcluster-installer-prisma/1'),
      dir('app/.taskcluster-installer-prisma/1/client'),
      dir('app/services'),
      dir('app/services/api'),
      dir('app/services/api/dist'),
    ];
    const placed = placeGeneratedClients(entries, ['/app', '/app/services/api']);
    assert.deepEqual(
      placed.map((e) => e.path),
      [
        'app',
        'app/services',
        'app/services/api',
        'app/services/api/dist',
        'app/services/api/node_modules',
        'app/services/api/node_modules/.prisma',
        'app/services/api/node_modules/.prisma/.wh..wh..opq',
        'app/services/api/node_modules/.prisma/client',
      ],
    );
  });
});
