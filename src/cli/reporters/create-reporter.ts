import { createJsonReporter } from './json-reporter.js';
import { createPlainReporter } from './plain-reporter.js';
import type { LogFormat, Reporter, ReporterStreams } from './reporter.js';

/** `--log-format`, defaulting to tty on a terminal and plain otherwise. */
export async function createReporter(
  format: LogFormat | undefined,
  io: ReporterStreams,
  isTty: boolean,
): Promise<Reporter> {
  const chosen = format ?? (isTty ? 'tty' : 'plain');
  switch (chosen) {
    case 'json':
      return createJsonReporter(io);
    case 'plain':
      return createPlainReporter(io);
    case 'tty': {
      // The live display's terminal libraries load only when a terminal will show them.
      const { createTtyReporter } = await import('./tty-reporter.js');
      return createTtyReporter(io);
    }
  }
}
