import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { exec, logWriter, openLog, startProcess } from '../../../src/core/exec.js';
import { killAllGroups, STOP_GRACE_MS } from '../../../src/core/process-group.js';
import { InterruptedError } from '../../../src/core/user-error.js';
import { processesWith } from '../../helpers/processes.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sh = (script: string) => ['-c', script] as const;

/** A number of seconds no other test sleeps: a marker in the command line of its `sleep`. */
const uniqueSeconds = () => String(1000 + Math.floor(Math.random() * 1e6));

test('a run gives its exit status, its output and its last lines', async () => {
  const r = await exec('sh', sh('echo out; echo err >&2; exit 3'));
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.deepEqual([...r.lastLines].sort(), ['err', 'out']);
});

test("a stdout line without its newline yet does not swallow stderr's line in the last lines", async () => {
  const r = await exec('sh', [
    ...sh('printf partial-out; sleep 0.2; echo "error line" >&2; sleep 0.2; echo " rest-out"'),
  ]);
  assert.deepEqual(r.lastLines, ['error line', 'partial-out rest-out']);
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

test('a masked log gets whole lines: a secret or a character cut between two chunks is whole', async () => {
  const logFile = join(await tempDir(), 'logs', 'step.log');
  const log = await openLog(logFile);
  const logged = logWriter(log, (text) => text.split('s3cret-token').join('***'));
  const bytes = Buffer.from('npm: token s3cret-token, done ✓\nlast line without newline');
  // Three chunks: cut inside the token, then inside the three bytes of the check mark.
  const cuts = [0, bytes.indexOf('cret'), bytes.indexOf('✓') + 1, bytes.length];
  for (let i = 1; i < cuts.length; i++) await logged.write(bytes.subarray(cuts[i - 1], cuts[i]));
  logged.end();
  await new Promise<void>((resolve) => log.end(resolve));
  assert.equal(await readFile(logFile, 'utf8'), 'npm: token ***, done ✓\nlast line without newline\n');
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

test('an abort while the log file opens stops the process that starts after it', async () => {
  const abort = new AbortController();
  const marker = uniqueSeconds();
  const run = exec('sleep', [marker], { signal: abort.signal, logFile: join(await tempDir(), 'a.log') });
  abort.abort();
  await assert.rejects(run, InterruptedError);
  assert.deepEqual(processesWith(`sleep ${marker}`), []);
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

/** A shell that starts `sleep` under a marker (a unique number of seconds) and waits for it. */
function sleeperScript(marker: string, ignoreTerm = false): string {
  return `${ignoreTerm ? "trap '' TERM; " : ''}sleep ${marker} & echo started; wait`;
}

test('an abort stops what the process started too, not only the process', async () => {
  const marker = uniqueSeconds();
  const abort = new AbortController();
  const run = exec('sh', sh(sleeperScript(marker)), {
    signal: abort.signal,
    onLine: () => abort.abort(),
  });
  await assert.rejects(run, InterruptedError);
  assert.deepEqual(processesWith(`sleep ${marker}`), []);
});

test('what ignores SIGTERM is killed after the grace period', async () => {
  const marker = uniqueSeconds();
  const abort = new AbortController();
  const started = performance.now();
  const run = exec('sh', sh(sleeperScript(marker, true)), {
    signal: abort.signal,
    onLine: () => abort.abort(),
  });
  await assert.rejects(run, InterruptedError);
  assert.ok(performance.now() - started >= STOP_GRACE_MS, 'it was killed before the grace period');
  assert.deepEqual(processesWith(`sleep ${marker}`), []);
});

test('stop ends the process and what it started; the result gives the exit status', async () => {
  const marker = uniqueSeconds();
  let started = () => {};
  const ready = new Promise<void>((r) => (started = r));
  const running = await startProcess('sh', sh(sleeperScript(marker)), { onLine: () => started() });
  await ready;
  await running.stop();
  assert.equal((await running.result).code, 128 + 15);
  assert.deepEqual(processesWith(`sleep ${marker}`), []);
});

test('killAllGroups kills every process group still running, for an exit at once', async () => {
  const marker = uniqueSeconds();
  let started = () => {};
  const ready = new Promise<void>((r) => (started = r));
  const running = await startProcess('sh', sh(sleeperScript(marker, true)), { onLine: () => started() });
  await ready;
  killAllGroups();
  assert.equal((await running.result).signal, 'SIGKILL');
  assert.deepEqual(processesWith(`sleep ${marker}`), []);
});
