import { systemErrorText } from '../core/system-error-text.js';
import { ExitCode } from '../core/user-error.js';

/**
 * Keeps a failing standard output from crashing the CLI with a stack trace. A reader that went
 * away (`completion bash | head -1`) is the reader's choice: what follows is dropped and the
 * command ends as it would have. Any other failure (a full disk, an I/O error) means output was
 * lost: the CLI says so when it exits, with status 1, after the command has finished and
 * cleaned up rather than in the middle of it. Checked at exit because a stream reports a
 * failed write only on a later turn of the event loop.
 */
export function watchStandardOutput(): void {
  let failure: string | undefined;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || failure !== undefined) return;
    failure = `cannot write to standard output: ${systemErrorText(e) ?? e.message}`;
  });
  // Nothing is left to report a broken standard error on.
  process.stderr.on('error', () => undefined);
  process.on('exit', () => {
    if (failure === undefined) return;
    process.stderr.write(`error: ${failure}\n`);
    process.exitCode = ExitCode.failure;
  });
}
