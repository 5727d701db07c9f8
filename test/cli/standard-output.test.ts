import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliPath } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Outcome {
  code: number | null;
  stderr: string;
}

/** The CLI with its standard output on /dev/full (every write fails with ENOSPC). */
async function toFullDisk(args: string[], cwd?: string): Promise<Outcome> {
  const full = openSync('/dev/full', 'w');
  try {
    return await outcome(
      spawn(process.execPath, [cliPath, ...args], { cwd, stdio: ['ignore', full, 'pipe'] }),
    );
  } finally {
    closeSync(full);
  }
}

/** The CLI writing into a pipe whose reader has gone, as with `… | head -1` once head exits. */
async function toClosedPipe(args: string[], cwd?: string): Promise<Outcome> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  return await outcome(child);
}

async function outcome(child: ReturnType<typeof spawn>): Promise<Outcome> {
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr };
}

/** Two output directories holding one ConfigMap each, with the values given. */
async function twoOutputs(oldValue: string, newValue: string): Promise<string> {
  const dir = await tempDir();
  for (const [side, value] of [
    ['old', oldValue],
    ['new', newValue],
  ] as const) {
    await mkdir(join(dir, side));
    await writeFile(
      join(dir, side, 'ConfigMap-c.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { v: value } }),
    );
  }
  return dir;
}

describe('standard output that fails', () => {
  it('completion onto a full disk: exit 1 and one line saying the output was lost, no stack trace', async () => {
    assert.deepEqual(await toFullDisk(['completion', 'bash']), {
      code: 1,
      stderr: 'error: cannot write to standard output: no space left on device\n',
    });
  });

  it('diff of equal sides onto a full disk: exit 1 (not 0), since its summary was lost', async () => {
    const dir = await twoOutputs('a', 'a');
    assert.deepEqual(await toFullDisk(['diff', 'old', 'new'], dir), {
      code: 1,
      stderr: 'error: cannot write to standard output: no space left on device\n',
    });
  });

  it('completion into a pipe whose reader has gone: ends quietly with exit 0', async () => {
    assert.deepEqual(await toClosedPipe(['completion', 'zsh']), { code: 0, stderr: '' });
  });

  it('diff into a pipe whose reader has gone: keeps its own status (1: the sides differ)', async () => {
    const dir = await twoOutputs('a', 'b');
    assert.deepEqual(await toClosedPipe(['diff', 'old', 'new'], dir), { code: 1, stderr: '' });
  });
});
