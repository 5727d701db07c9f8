import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeHeadersHint } from '../../../../src/build-types/node/node-headers-hint.js';

describe('nodeHeadersHint', () => {
  it('names npm_config_nodedir when node-gyp cannot reach the headers server', () => {
    // What `yarn install` printed (node-gyp 12.4 through bcrypt 5.0.0's node-pre-gyp 0.15) in an
    // image with a compiler, on a machine whose containers reach the npm registry only.
    const lines = [
      'gyp info find Python using Python version 3.11.2 found at "/usr/bin/python3"',
      'gyp http GET https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz',
      'gyp WARN install got an error, rolling back install',
      'gyp ERR! configure error ',
      'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and',
      'gyp ERR! stack is related to network connectivity. In most cases you are behind a proxy or have bad',
      'gyp ERR! stack network settings.',
      'node-pre-gyp ERR! build error ',
    ];
    assert.equal(
      nodeHeadersHint('build:20')(lines),
      "node-gyp could not download Node.js's headers to compile a native module (from nodejs.org, which build:20 cannot reach or whose certificate it does not trust): " +
        "set env npm_config_nodedir to the install image's Node.js folder that has include/node (/usr/local in the official node images)",
    );
  });

  it('names it for any failed download of the headers: a timeout, a proxy certificate', () => {
    for (const error of [
      'gyp ERR! stack Error: connect ETIMEDOUT 104.20.22.46:443',
      'gyp ERR! stack Error: self-signed certificate in certificate chain',
    ])
      assert.match(
        nodeHeadersHint('build:20')([
          'gyp http GET https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz',
          'gyp WARN install got an error, rolling back install',
          'gyp ERR! configure error ',
          error,
        ]) ?? '',
        /set env npm_config_nodedir/,
      );
  });

  it('says nothing of another failure', () => {
    assert.equal(nodeHeadersHint('build:20')(['gyp ERR! stack Error: not found: make']), undefined);
    const noDevDir = [
      'gyp WARN install got an error, rolling back install',
      "gyp ERR! stack Error: EACCES: permission denied, mkdir '/app/node_modules/bcrypt/.node-gyp'",
    ];
    assert.equal(nodeHeadersHint('build:20')(noDevDir), undefined, 'a download that did not fail');
  });
});
