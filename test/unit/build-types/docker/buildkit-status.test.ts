import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildkitMessages,
  type StatusResponse,
} from '../../../../src/build-types/docker/buildkit-messages.js';
import { BuildkitStatus } from '../../../../src/build-types/docker/buildkit-status.js';

const at = (s: number) => ({ seconds: 1_700_000_000 + Math.floor(s), nanos: Math.round((s % 1) * 1e9) });
const run = 'sha256:run';
const copy = 'sha256:copy';
const bytes = (s: string) => Buffer.from(s);

describe('BuildkitStatus', () => {
  it('prints each step once it starts, its output by line with the time since it started, and how it ended', () => {
    const status = new BuildkitStatus();
    const lines = [
      // Known but not started: nothing yet (a stage the target does not need stays silent).
      {
        vertexes: [
          { digest: run, name: '[2/3] RUN make' },
          { digest: copy, name: '[3/3] COPY app /app' },
        ],
      },
      { vertexes: [{ digest: run, name: '[2/3] RUN make', started: at(1) }] },
      { logs: [{ vertex: run, timestamp: at(1.5), msg: bytes('compiling a\ncompil') }] },
      { logs: [{ vertex: run, timestamp: at(2.25), msg: bytes('ing b\nno newline') }] },
      { vertexes: [{ digest: run, name: '[2/3] RUN make', started: at(1), completed: at(4.25) }] },
      {
        vertexes: [
          { digest: copy, name: '[3/3] COPY app /app', cached: true, started: at(4), completed: at(4) },
        ],
      },
    ].flatMap((s: StatusResponse) => status.add(s));
    assert.deepEqual(lines, [
      '#1 [2/3] RUN make',
      '#1 0.500 compiling a',
      '#1 1.250 compiling b',
      '#1 no newline',
      '#1 DONE 3.3s',
      '#2 [3/3] COPY app /app',
      '#2 CACHED',
    ]);
    assert.equal(status.failedStep(), undefined);
  });

  it("prints a step's output before its end when one message carries both", () => {
    const status = new BuildkitStatus();
    const lines = [
      { vertexes: [{ digest: run, name: '[2/2] RUN echo out && echo err >&2', started: at(1) }] },
      { logs: [{ vertex: run, timestamp: at(1.1), msg: bytes('out\n') }] },
      {
        vertexes: [
          { digest: run, name: '[2/2] RUN echo out && echo err >&2', started: at(1), completed: at(1.3) },
        ],
        logs: [{ vertex: run, timestamp: at(1.2), msg: bytes('err\n') }],
      },
    ].flatMap((s: StatusResponse) => status.add(s));
    assert.deepEqual(lines, [
      '#1 [2/2] RUN echo out && echo err >&2',
      '#1 0.100 out',
      '#1 0.200 err',
      '#1 DONE 0.3s',
    ]);
  });

  it('decodes the base64 protobuf of a moby.buildkit.trace message', () => {
    const t = buildkitMessages.statusResponse;
    const aux = Buffer.from(
      t
        .encode(
          t.fromObject({
            vertexes: [{ digest: run, name: '[1/1] FROM x', started: at(0), completed: at(0.04) }],
          }),
        )
        .finish(),
    ).toString('base64');
    assert.deepEqual(new BuildkitStatus().addTrace(aux), ['#1 [1/1] FROM x', '#1 DONE 0.0s']);
  });

  it('keeps the failed step: its instruction, exit status and last lines', () => {
    const status = new BuildkitStatus();
    const error = 'executor failed running [/bin/sh -c make test]: exit code: 2';
    const out = [
      { vertexes: [{ digest: run, name: '[build 4/4] RUN make test', started: at(0) }] },
      {
        logs: [
          {
            vertex: run,
            timestamp: at(1),
            msg: bytes(Array.from({ length: 30 }, (_, i) => `line ${i}\n`).join('')),
          },
        ],
      },
      {
        vertexes: [
          { digest: run, name: '[build 4/4] RUN make test', started: at(0), completed: at(2), error },
        ],
      },
    ].flatMap((s: StatusResponse) => status.add(s));
    assert.equal(out.at(-1), `#1 ERROR: ${error}`);
    assert.deepEqual(status.failedStep(), {
      step: '[build 4/4]',
      instruction: 'RUN make test',
      error,
      exitStatus: 2,
      lastLines: Array.from({ length: 20 }, (_, i) => `line ${i + 10}`),
    });
  });

  it('names an internal step by its whole name', () => {
    const status = new BuildkitStatus();
    status.add({
      vertexes: [
        {
          digest: copy,
          name: '[internal] load metadata for docker.io/library/nope:1',
          started: at(0),
          completed: at(0),
          error: 'not found',
        },
      ],
    });
    assert.deepEqual(status.failedStep(), {
      step: '',
      instruction: '[internal] load metadata for docker.io/library/nope:1',
      error: 'not found',
      lastLines: [],
    });
  });
});
