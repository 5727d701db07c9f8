import { formatProblem, type Problem } from './problem.js';

export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the user can act on: bad input, a failed build step, a refused credential.
 * Carries one or more problems; anything else thrown is a bug ("internal error").
 */
export class UserError extends Error {
  readonly problems: readonly Problem[];
  readonly exitCode: ExitCode;
  /** Extra lines shown after the problems, e.g. the last lines of a build log. */
  readonly details: readonly string[];

  constructor(
    problems: Problem | readonly Problem[],
    options: { exitCode?: ExitCode; details?: readonly string[]; cause?: unknown } = {},
  ) {
    const list = Array.isArray(problems) ? (problems as readonly Problem[]) : [problems as Problem];
    super(list.map(formatProblem).join('\n'), { cause: options.cause });
    this.name = 'UserError';
    this.problems = list;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.details = options.details ?? [];
  }
}

/** Thrown when the run was interrupted (SIGINT/SIGTERM); the CLI exits 130. */
export class InterruptedError extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

/**
 * A broken assumption of the tool itself: a bug, never the user's doing. Its message says what
 * was assumed, without any prefix; the CLI's error printer (src/cli/print-error.ts) is the one
 * place that words it for the user (`internal error: …`).
 */
export class InternalError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
