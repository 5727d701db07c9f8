import type { Reporter, ReporterStreams } from './reporter.js';

/**
 * One JSON object per line on stdout: `{"time": …, "kind": …, …fields}`. A public format:
 * changes go in the CHANGELOG. Human messages (the final error or summary) go to stderr.
 */
export function createJsonReporter(io: ReporterStreams): Reporter {
  return {
    emit(e) {
      io.stdout.write(io.redact(JSON.stringify({ time: new Date().toISOString(), ...e })) + '\n');
    },
    close() {},
  };
}
