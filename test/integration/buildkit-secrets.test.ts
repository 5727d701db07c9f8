import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServiceSecrets } from '../../src/inputs/build-secrets.js';
import { Redactor } from '../../src/core/redact.js';
import { ensureBusyboxImage } from '../helpers/base-images.js';
import { BuildkitRig } from '../helpers/buildkit-rig.js';
import { removeImages } from '../helpers/remove-images.js';

let rig: BuildkitRig;
before(async () => {
  rig = await BuildkitRig.create('secrets');
});
after(() => removeImages(`${rig.prefix}/*`));

/** Files under `dir` changed since `since` (ms) that hold `needle`; unreadable ones are skipped. */
function filesHolding(dir: string, needle: string, since: number): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      try {
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && statSync(p).mtimeMs >= since && statSync(p).size < 50e6) {
          if (readFileSync(p).includes(needle)) found.push(p);
        }
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
  };
  walk(dir);
  return found;
}

describe('a build secret', () => {
  it('is mounted by id, checked inside the build, and reaches no layer, history, config, line, log or file', async () => {
    const busybox = ensureBusyboxImage();
    const value = `tci-secret-${randomUUID()}`;
    const hash = createHash('sha256').update(value).digest('hex');
    rig.write({
      Dockerfile: [
        `FROM ${busybox}`,
        `RUN --mount=type=secret,id=npm-token test "$(sha256sum < /run/secrets/npm-token | cut -d' ' -f1)" = ${hash} && echo checked > /checked`,
        'RUN --mount=type=secret,id=npm-token echo "printed: $(cat /run/secrets/npm-token)"',
        'RUN --mount=type=secret,id=other test ! -e /run/secrets/other && echo absent > /other',
        '',
      ].join('\n'),
    });
    const started = Date.now();
    const redactor = new Redactor();
    // Two secrets in the build config; the service names one and gets only that one.
    const configured = { 'npm-token': value, other: `tci-other-${randomUUID()}` };
    const secrets = (
      await loadServiceSecrets([{ service: 'app', index: 0, ids: ['npm-token'] }], configured, { redactor })
    ).get('app');
    const one = await rig.build('app', { secrets, redact: (text) => redactor.redact(text) });
    assert.equal(one.error, undefined, String(one.error));
    assert.equal(rig.run('app', ['cat', '/checked', '/other']), 'checked\nabsent\n');
    assert.deepEqual(one.calls, [
      { service: 'secrets', id: 'npm-token', given: true },
      { service: 'secrets', id: 'npm-token', given: true },
      { service: 'secrets', id: 'other', given: false },
    ]);
    assert.ok(
      one.lines.some((l) => / printed: \*\*\*$/.test(l)),
      one.lines.join('\n'),
    );
    assert.equal(redactor.redact(`x ${value} y`), 'x *** y');

    const image = rig.ref('app');
    const saved = execFileSync('docker', ['save', image], { maxBuffer: 64e6 });
    const history = execFileSync('docker', ['history', '--no-trunc', image], { encoding: 'utf8' });
    const config = execFileSync('docker', ['image', 'inspect', image], { encoding: 'utf8' });
    for (const [where, text] of [
      ['docker save', saved.toString('latin1')],
      ['docker history', history],
      ['image config', config],
      ['step lines', one.lines.join('\n')],
      ['log file', rig.log(one)],
    ] as const) {
      assert.ok(!text.includes(value), `the secret is in the ${where}`);
    }
    assert.ok(history.includes(hash), 'history shows the RUN lines (with the hash, not the value)');
    assert.deepEqual(filesHolding(tmpdir(), value, started), [], 'no temporary file holds the secret');
    assert.deepEqual(
      filesHolding('/var/lib/docker/buildkit', value, started),
      [],
      'nor does BuildKit’s state',
    );

    // A new value: every step is cached (the hash check would fail if it ran), the same image.
    const secrets2 = (
      await loadServiceSecrets([{ service: 'app', index: 0, ids: ['npm-token'] }], {
        'npm-token': `tci-secret-${randomUUID()}`,
      })
    ).get('app');
    const two = await rig.build('app', { secrets: secrets2 });
    assert.equal(two.error, undefined, String(two.error));
    assert.equal(two.imageId, one.imageId);
    const runs = two.lines.filter((l) => l.includes('RUN --mount=type=secret')).map((l) => l.split(' ')[0]);
    assert.equal(runs.length, 3, two.lines.join('\n'));
    for (const n of runs) assert.ok(two.lines.includes(`${n} CACHED`), two.lines.join('\n'));
  });
});
