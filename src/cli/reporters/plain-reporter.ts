import type { Reporter, ReporterStreams } from './reporter.js';
import { describeEvent } from './describe-event.js';

/** Timestamped lines on stderr: for CI logs and pipes. */
export function createPlainReporter(io: ReporterStreams): Reporter {
  return {
    emit(e) {
      const text = describeEvent(e);
      if (text === undefined) return;
      io.stderr.write(`${new Date().toISOString()} ${io.redact(text)}\n`);
    },
    close() {},
  };
}
