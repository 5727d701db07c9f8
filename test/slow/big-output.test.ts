import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BuildRig } from '../helpers/build-rig.js';
import { CliProcess } from '../helpers/cli-process.js';

/**
 * A build step that prints 50 MB: the CLI keeps only a tail in memory (its peak resident set
 * stays far below the output's size plus Node's own ~60 MB), and the log file has every byte.
 */
const OUTPUT_BYTES = 50_000_000;
const LINE = 'all work and no play makes jack a dull boy 0123456789';
let rig: BuildRig | undefined;
after(() => rig?.cleanup());

async function countLines(file: string, line: string): Promise<number> {
  let count = 0;
  let partial = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const parts = (partial + (chunk as string)).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) if (p === line) count++;
  }
  return count;
}

for (const format of ['plain', 'json'] as const) {
  test(`50 MB of build output (--log-format ${format}): memory stays flat, the log file has it all`, async (t) => {
    rig?.cleanup();
    // The legacy builder streams every byte of a step's output; BuildKit clips a step's log in
    // the engine (2 MiB) and prefixes each line, which is not what this test is about. A builder
    // reuses a step it ran before on the shared engine and prints nothing: the step is new for
    // each run.
    const run = `${process.pid}-${Date.now()}`;
    const prefix = `tci-big-output-${run}/`;
    rig = BuildRig.create(
      [
        {
          name: 'noisy',
          dockerfile: `FROM busybox\nRUN echo ${run} && yes '${LINE}' | head -c ${OUTPUT_BYTES}; echo\n`,
        },
      ],
      { prefix, buildConfig: `docker:\n  repositoryPrefix: "${prefix}"\n  builder: legacy\n` },
    );
    const args = rig.buildArgs().map((a) => (a === 'json' ? format : a));
    const cli = CliProcess.start(args);
    // The json format prints one event per log line; count them instead of keeping them.
    const o = await cli.done;
    assert.equal(o.code, 0, o.stderr.slice(-2000));
    assert.ok(o.peakRssKb > 0, 'the peak was measured');
    t.diagnostic(`peak RSS of the CLI: ${Math.round(o.peakRssKb / 1024)} MB`);
    assert.ok(o.peakRssKb < 300 * 1024, `peak RSS ${Math.round(o.peakRssKb / 1024)} MB`);
    const full = Math.floor(OUTPUT_BYTES / (LINE.length + 1));
    assert.equal(await countLines(join(rig.baseDir, 'logs', 'noisy', 'build.log'), LINE), full);
  });
}
