import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildToolsHint } from '../../../../src/build-types/node/build-tools-hint.js';

describe('buildToolsHint', () => {
  it("names buildImage when node-gyp 12 finds no Python, from the failed install's last lines alone", () => {
    // The last lines of `npm ci` (npm 11.19, node-gyp 12.4) for @google-cloud/profiler's pprof
    // in an image without Python (GoogleCloudPlatform/microservices-demo's paymentservice).
    const lastLines = [
      'npm error gyp ERR! configure error',
      'npm error gyp ERR! stack Error: Could not find any Python installation to use',
      'npm error gyp ERR! stack at PythonFinder.fail (/usr/local/lib/node_modules/npm/node_modules/node-gyp/lib/find-python.js:300:11)',
      'npm error gyp ERR! System Linux 6.18.44',
      'npm error gyp ERR! cwd /app/node_modules/pprof',
      'npm error gyp ERR! node -v v20.20.2',
      'npm error gyp ERR! node-gyp -v v12.4.0',
      'npm error gyp ERR! not ok',
    ];
    assert.match(
      buildToolsHint('node:20-slim')(lastLines) ?? '',
      /node:20-slim lacks: give buildImage an image/,
    );
  });

  it('says nothing of a failure that is not a missing build tool', () => {
    const lastLines = [
      'npm error code E404',
      'npm error 404 Not Found - GET https://registry.npmjs.org/nope - Not found',
    ];
    assert.equal(buildToolsHint('node:20')(lastLines), undefined);
  });
});
