import { UserError } from '../../core/user-error.js';
import type { FailedStep } from './buildkit-status.js';
import { parseDockerfile } from './dockerfile-instructions.js';

export interface BuildkitFailureInput {
  /** Names the work: `service "api": docker build`. */
  label: string;
  /** The engine's error message (the stream's `errorDetail`). */
  reason: string;
  failed: FailedStep | undefined;
  /** The Dockerfile's path, as the service names it, and its text as sent. */
  dockerfile: string;
  dockerfileText: string;
  logFile?: string;
}

const FRONTEND = /failed to solve with frontend gateway\.v0/;
const PREFIXES =
  /^(?:failed to solve with frontend (?:dockerfile|gateway)\.v0: |failed to create LLB definition: |rpc error: code = \w+ desc = )+/;

/**
 * The error of a failed BuildKit build, naming what the user must look at: the instruction,
 * its step and exit status with its last output lines for a failed step; the base image that
 * could not be resolved; the `# syntax=` frontend image the engine could not fetch and the
 * Dockerfile that names it; a hint when a parse error comes from a heredoc, which this engine's
 * built-in frontend does not read.
 */
export function buildkitFailure(input: BuildkitFailureInput): UserError {
  const reason = input.reason.trim().replace(PREFIXES, '');
  const logHint = input.logFile !== undefined ? `full log: ${input.logFile}` : undefined;
  const { message, hint, details } = describe(input, reason);
  const hints = [hint, logHint].filter((h): h is string => h !== undefined).join('; ');
  return new UserError(
    { message: `${input.label} failed: ${message}`, ...(hints !== '' ? { hint: hints } : {}) },
    { details },
  );
}

function describe(
  input: BuildkitFailureInput,
  reason: string,
): { message: string; hint?: string; details: string[] } {
  const syntax = parseDockerfile(input.dockerfileText).directives.get('syntax')?.text;
  if (syntax !== undefined && FRONTEND.test(input.reason)) {
    return {
      message: `${input.dockerfile} names the Dockerfile frontend ${syntax} (its "# syntax=" line), which the engine could not fetch: ${reason}`,
      hint: 'the engine pulls that image itself: let it reach the image registry, load the image into the engine, or remove the "# syntax=" line to use its built-in frontend',
      details: [],
    };
  }
  const failed = input.failed;
  if (failed !== undefined) {
    const base = /^(?:\[internal\] )?load metadata for (\S+)$/.exec(failed.instruction)?.[1];
    if (base !== undefined) {
      return { message: `base image ${base} could not be resolved: ${failed.error}`, details: [] };
    }
    const step = failed.step !== '' ? `${failed.step} ` : '';
    const what =
      failed.exitStatus !== undefined ? `exited with status ${failed.exitStatus}` : `failed: ${failed.error}`;
    return { message: `${step}${failed.instruction} ${what}`, details: failed.lastLines };
  }
  const parseLine = /dockerfile parse error line (\d+)/.exec(reason)?.[1];
  if (parseLine !== undefined) {
    return {
      message: `${input.dockerfile}: ${reason}`,
      ...(/<<-?["']?[A-Za-z_]/.test(input.dockerfileText)
        ? {
            hint: `it uses heredocs (<<EOF), which this engine's built-in Dockerfile frontend does not read; a "# syntax=docker/dockerfile:1.4" line reads them where the engine can fetch that frontend, as does Docker Engine 23 or later`,
          }
        : {}),
      details: [],
    };
  }
  return { message: reason, details: [] };
}
