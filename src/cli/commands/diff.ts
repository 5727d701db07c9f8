import { ExitCode } from '../../core/user-error.js';
import { runDiff } from '../../deploy/run-diff.js';
import { loadDeployConfig, loadInfraInfo } from '../../inputs/deploy-inputs.js';
import type { DeployConfig, InfraInfo } from '../../inputs/types.js';
import type { ProcessContext } from '../process-context.js';
import { describeEvent } from '../reporters/describe-event.js';
import { createJsonReporter } from '../reporters/json-reporter.js';
import type { Emit } from '../../core/events.js';

interface DiffCliOptions {
  deployConfig?: string[];
  infraInfo?: string;
  logFormat?: 'plain' | 'json';
}

/**
 * `diff <old> <new>` (docs/deploy.md). The diff is the command's output: plain text on stdout
 * (warnings on stderr), or json events on stdout. Exit 0 when equal, 1 when they differ.
 */
export async function diffCommand(
  ctx: ProcessContext,
  oldPath: string,
  newPath: string,
  rawOpts: Record<string, unknown>,
): Promise<void> {
  const opts = rawOpts as DiffCliOptions;
  const redact = ctx.redactor.redact.bind(ctx.redactor);
  let inputs: Promise<{ cfg: DeployConfig; infra: InfraInfo }> | undefined;
  const renderInputs = () =>
    (inputs ??= Promise.all([
      loadDeployConfig(opts.deployConfig, ctx.cwd, ctx.env),
      loadInfraInfo(opts.infraInfo),
    ]).then(([cfg, infra]) => ({ cfg, infra })));
  const emit: Emit =
    opts.logFormat === 'json'
      ? createJsonReporter({ stdout: process.stdout, stderr: process.stderr, redact }).emit
      : (e) => {
          const text = describeEvent(e);
          if (text === undefined) return;
          const toStdout = e.kind === 'diff-resource' || e.kind === 'diff-summary';
          (toStdout ? process.stdout : process.stderr).write(redact(text) + '\n');
        };
  const diff = await runDiff(oldPath, newPath, { renderInputs, emit, signal: ctx.abort.signal });
  process.exitCode = diff.changes.length > 0 ? ExitCode.failure : ExitCode.ok;
}
