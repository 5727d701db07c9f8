import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { exec, startProcess } from '../../../src/core/exec.js';
import { InterruptedError } from '../../../src/core/user-error.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sh = (script: string) => ['-c', script] as const;

test('a run gives its exit status, its output and its last lines', async () => {
  const r = await exec('sh', sh('echo out; echo err >&2; exit 3'));
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.deepEqual([...r.lastLines].sort(), ['err', 'out']);
});

test('input text reaches standard input', async () => {
  assert.equal((await exec('cat', [], { input: 'a\nb\n' })).stdout, 'a\nb\n');
});

test('with a log file, output goes there and each line to onLine with its stream', async () => {
  {
    const dir = await tempDir();
    const logFile = join(dir, 'logs', 'step.log');
    const lines: string[] = [];
    const r = await exec('sh', sh('printf "one\\ntwo"; echo three >&2'), {
      logFile,
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    assert.equal(r.stdout, '');
    assert.match(await readFile(logFile, 'utf8'), /one\ntwo/);
    assert.deepEqual(lines.sort(), ['stderr:three', 'stdout:one', 'stdout:two']);
  }
});

test('a process ended by a signal has status 128 + n', async () => {
  const r = await exec('sh', sh('kill -9 $$'));
  assert.equal(r.code, 137);
  assert.equal(r.signal, 'SIGKILL');
});

test('a command that cannot start rejects with its reason', async () => {
  await assert.rejects(exec('/nonexistent/tool', []), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('an abort kills the process and rejects as interrupted', async () => {
  const abort = new AbortController();
  const run = exec('sleep', ['30'], { signal: abort.signal });
  setTimeout(() => abort.abort(), 50);
  await assert.rejects(run, InterruptedError);
});

test("with onAbort 'leave', an abort is the caller's to act on", async () => {
  const abort = new AbortController();
  abort.abort();
  const r = await exec('sh', sh('exit 0'), { signal: abort.signal, onAbort: 'leave' });
  assert.equal(r.code, 0);
});

test("one process's output piped into another", async () => {
  const producer = await startProcess('sh', sh('printf "x\\ny\\n"'), { stdout: 'pipe' });
  const [a, b] = await Promise.all([producer.result, exec('wc', ['-l'], { input: producer.stdout! })]);
  assert.equal(a.code, 0);
  assert.equal(b.stdout.trim(), '2');
});

test('output that is data is captured, but never logged, streamed or among the last lines', async () => {
  const dir = await tempDir();
  const logFile = join(dir, 'kubectl.log');
  const lines: string[] = [];
  const r = await exec('sh', sh('echo \'{"data": "s3cr3t"}\'; echo applied >&2; exit 1'), {
    logFile,
    dataOnly: ['stdout'],
    onLine: (line) => lines.push(line),
  });
  assert.equal(r.stdout, '{"data": "s3cr3t"}\n');
  assert.deepEqual(lines, ['applied']);
  assert.deepEqual(r.lastLines, ['applied']);
  assert.doesNotMatch(await readFile(logFile, 'utf8'), /s3cr3t/);
});
