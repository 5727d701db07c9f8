import { formatProblem } from '../core/problem.js';
import { ExitCode, InterruptedError, isUserError } from '../core/user-error.js';

/**
 * Turns anything thrown into one short paragraph naming file and path (README.md), and the exit code.
 * Stack traces only with DEBUG set.
 */
export function describeError(e: unknown, redact: (s: string) => string): { text: string; exitCode: number } {
  const debug = process.env['DEBUG'] !== undefined && process.env['DEBUG'] !== '';
  if (e instanceof InterruptedError) return { text: 'error: interrupted', exitCode: ExitCode.interrupted };
  if (isUserError(e)) {
    const lines = e.problems.map((p) => 'error: ' + formatProblem(p));
    for (const d of e.details) lines.push('  ' + d);
    if (debug && e.stack) lines.push(e.stack);
    return { text: redact(lines.join('\n')), exitCode: e.exitCode };
  }
  // Said once, whoever wrapped whom: "internal error: internal error: …" told the user nothing more.
  const msg = (e instanceof Error ? e.message : String(e)).replace(/^(internal error:\s*)+/, '');
  const lines = [`internal error: ${msg}`];
  if (debug && e instanceof Error && e.stack) lines.push(e.stack);
  else lines.push('  (set DEBUG=1 for a stack trace; please report this as a bug)');
  return { text: redact(lines.join('\n')), exitCode: ExitCode.failure };
}
