import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BuildRig } from '../helpers/build-rig.js';
import { runCli } from '../helpers/run-cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * What a user reads at the end of a build, with real builds against the Docker Engine and a
 * registry: the summary line counts what was done, and a failed step names its log once.
 */
let registry: TestRegistry;
const rigs: BuildRig[] = [];
before(async () => {
  registry = await startRegistry();
});
after(async () => {
  for (const rig of rigs) rig.cleanup();
  await registry?.stop();
});

let n = 0;
function rig(services: Parameters<typeof BuildRig.create>[0]): BuildRig {
  const r = BuildRig.create(services, { prefix: `${registry.host}/tci-summary-${process.pid}-${++n}/` });
  rigs.push(r);
  return r;
}

/** The last line of standard error: the summary. */
function summaryOf(stderr: string): string {
  return stderr.trimEnd().split('\n').at(-1) ?? '';
}

describe('the build summary', () => {
  test('--push counts the images it pushed: built and pushed, then only pushed, then nothing', async () => {
    const r = rig([{ name: 'web' }, { name: 'api' }]);
    const first = await runCli(r.buildArgs('--push'));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(summaryOf(first.stderr), `built 2, pushed 2, pulled 0, skipped 0; wrote ${r.releasePath}`);

    const again = await runCli(r.buildArgs('--push'));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(summaryOf(again.stderr), `built 0, pushed 0, pulled 0, skipped 2; wrote ${r.releasePath}`);
  });

  test('an image built earlier without --push is counted as pushed, not built', async () => {
    const r = rig([{ name: 'web' }]);
    const local = await runCli(r.buildArgs());
    assert.equal(local.code, 0, local.stderr);
    assert.equal(summaryOf(local.stderr), `built 1, pushed 0, pulled 0, skipped 0; wrote ${r.releasePath}`);
    const pushed = await runCli(r.buildArgs('--push'));
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(summaryOf(pushed.stderr), `built 0, pushed 1, pulled 0, skipped 0; wrote ${r.releasePath}`);
  });
});

describe('a failed build step', () => {
  test('its progress line names the log file once, and the error paragraph names it once', async () => {
    const r = rig([{ name: 'broken', dockerfile: 'FROM busybox\nRUN echo about to fail && exit 3\n' }]);
    const o = await runCli(['build', '--log-format', 'plain', ...r.buildArgs().slice(3)]);
    assert.equal(o.code, 1, o.stderr);
    const log = `${r.baseDir}/logs/broken/build.log`;
    const failed = o.stderr.split('\n').find((l) => l.includes('broken: build FAILED'));
    assert.match(
      failed ?? '',
      /^\S+ broken: build FAILED after \d+(ms|\.\ds): service "broken": docker build failed: \[2\/2\] RUN echo about to fail && exit 3 exited with status 3 \(log: (\S+)\)$/,
    );
    assert.equal(failed?.split(log).length, 2, `the log file is named more than once: ${failed}`);
    const paragraph = o.stderr.slice(o.stderr.indexOf('\nerror: ') + 1);
    assert.match(
      paragraph,
      /^error: service "broken": docker build failed: .* exited with status 3 \(hint: full log: \S+\)\n/,
    );
    assert.equal(paragraph.split(log).length, 2, 'the error paragraph names the log file once');
  });
});
