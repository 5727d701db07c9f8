import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { devEnginesMismatches } from '../../../../src/build-types/node/dev-engines.js';

const image = { npm: '11.19.1', node: '20.20.2' };

describe('devEngines', () => {
  it("names what npm refuses: a pinned npm or a Node.js range the image's do not meet", () => {
    // As create-turbo's npm starter writes it.
    const pinned = {
      packageManager: { name: 'npm', version: '11.16.0' },
      runtime: { name: 'node', version: '>=22' },
    };
    assert.deepEqual(devEnginesMismatches(pinned, image), [
      { field: 'packageManager', wanted: 'npm 11.16.0', have: 'npm 11.19.1' },
      { field: 'runtime', wanted: 'node >=22', have: 'node 20.20.2' },
    ]);
    assert.deepEqual(devEnginesMismatches({ packageManager: { name: 'yarn' } }, image), [
      { field: 'packageManager', wanted: 'yarn', have: 'npm 11.19.1' },
    ]);
  });

  it('accepts what npm accepts: a matching range, any entry of a list, onFail warn or ignore, no devEngines', () => {
    const ok = [
      { packageManager: { name: 'npm', version: '^11.16.0' }, runtime: { name: 'node' } },
      { packageManager: [{ name: 'pnpm' }, { name: 'npm', version: '11.19.1' }] },
      { packageManager: { name: 'npm', version: '10.0.0', onFail: 'warn' } },
      { runtime: { name: 'node', version: '>=22', onFail: 'ignore' } },
      { packageManager: [] },
      undefined,
    ];
    for (const devEngines of ok)
      assert.deepEqual(devEnginesMismatches(devEngines, image), [], JSON.stringify(devEngines));
  });
});
