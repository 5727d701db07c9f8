import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
// Removed when the test process exits: node:test's after() inside a before() hook would run
// as soon as that hook ends, so cleanup cannot hang on the test tree. TCI_KEEP_TMP=1 keeps them,
// to read a failed build's logs.
process.on('exit', () => {
  if (process.env['TCI_KEEP_TMP'] !== undefined) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export async function tempDir(prefix = 'tci-test-'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
