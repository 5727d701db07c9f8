import type { Emit } from '../../core/events.js';

/** A progress display: consumes core events, owns its output stream. */
export interface Reporter {
  emit: Emit;
  /** Flushes and stops any live display; call before printing the final message. */
  close(): void;
}

export type LogFormat = 'tty' | 'plain' | 'json';

export interface ReporterStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  redact: (text: string) => string;
}
