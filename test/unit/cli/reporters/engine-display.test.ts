import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent } from '../../../../src/cli/reporters/describe-event.js';
import { createPlainReporter } from '../../../../src/cli/reporters/plain-reporter.js';
import { createTtyReporter } from '../../../../src/cli/reporters/tty-reporter.js';

/** A stream that keeps what is written to it at once (a Writable would defer all but the first write). */
function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let out = '';
  const stream = {
    columns: 120,
    write(chunk: string | Uint8Array) {
      out += chunk.toString();
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  // eslint-disable-next-line no-control-regex
  return { stream, text: () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}

test('plain lines say on which engine a step runs and from which an image was pushed', () => {
  const err = sink();
  const reporter = createPlainReporter({ stdout: err.stream, stderr: err.stream, redact: (s) => s });
  reporter.emit({
    kind: 'engine-chosen',
    service: 'api',
    step: 'build',
    engine: 'tcp://builder-1:2376',
    reason: 'least loaded',
  });
  reporter.emit({
    kind: 'image-pushed',
    service: 'api',
    ref: 'r.example/api',
    digest: 'sha256:abc',
    engine: 'tcp://builder-1:2376',
  });
  const lines = err
    .text()
    .trim()
    .split('\n')
    .map((l) => l.slice(25));
  assert.deepEqual(lines, [
    'api: build on engine tcp://builder-1:2376 (least loaded)',
    'api: pushed r.example/api@sha256:abc from tcp://builder-1:2376',
  ]);
  assert.equal(
    describeEvent({ kind: 'image-pushed', service: 'api', ref: 'r/api', digest: 'sha256:abc' }),
    'api: pushed r/api@sha256:abc',
  );
});

test('the live display shows the engine next to the running step and in its finished line', () => {
  const err = sink();
  const reporter = createTtyReporter({ stdout: err.stream, stderr: err.stream, redact: (s) => s });
  reporter.emit({ kind: 'step-started', service: 'api', step: 'build' });
  reporter.emit({ kind: 'engine-chosen', service: 'api', step: 'build', engine: 'ssh://ci@b2', reason: 'x' });
  reporter.emit({ kind: 'log-line', service: 'api', step: 'build', line: 'Step 1/2 : FROM busybox' });
  reporter.emit({ kind: 'step-finished', service: 'api', step: 'build', elapsedMs: 1200 });
  reporter.close();
  assert.match(err.text(), /api: build on ssh:\/\/ci@b2 \d+ms/);
  assert.match(err.text(), /✔ api: build on ssh:\/\/ci@b2 1\.2s/);
});
