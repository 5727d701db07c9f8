import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Problem } from '../../core/problem.js';
import { InterruptedError, UserError } from '../../core/user-error.js';
import type { ClusterSpec, DeployConfig, InfraInfo } from '../../inputs/types.js';
import type { TemplateCheck } from './render-with-placeholders.js';

/** 5,000 resources render in under a second: a template taking 15 s expands without bound. */
export const RENDER_TIME_LIMIT_MS = 15_000;
/** Far above any real cluster's resources; a template needing more expands without bound. */
export const RENDER_MEMORY_LIMIT_MB = 512;

export interface RenderJob {
  kind: 'render' | 'placeholders';
  specPath: string;
  cfg?: unknown;
  infra?: unknown;
}

export type RenderReply = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/**
 * The worker thread. Compiled, it is `render-worker.js` beside this file. Under tsx (tests,
 * benchmarks) it is TypeScript, and on Node 20 tsx's loader does not reach a worker's entry
 * point, so the worker registers tsx first.
 */
function startWorker(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./render-worker.js', import.meta.url), options);
  const entry = new URL('./render-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * Renders the deploy template of the spec at `spec.files.spec` in a worker thread with a time
 * and memory limit, so a runaway template (a `$map` over millions, a string doubled forty times)
 * ends in seconds with a message instead of hanging, and Ctrl-C still works while it renders.
 */
export async function renderIsolated(
  spec: ClusterSpec,
  values: { cfg: unknown; infra: unknown },
  signal?: AbortSignal,
): Promise<unknown> {
  return await runJob(spec, { kind: 'render', specPath: spec.files.spec, ...values }, signal);
}

/** `renderWithPlaceholders` (what `validate` runs) under the same limits. */
export async function checkTemplateIsolated(
  spec: ClusterSpec,
  given: { cfg?: DeployConfig; infra?: InfraInfo },
  signal?: AbortSignal,
): Promise<TemplateCheck> {
  return (await runJob(
    spec,
    { kind: 'placeholders', specPath: spec.files.spec, ...given },
    signal,
  )) as TemplateCheck;
}

async function runJob(spec: ClusterSpec, job: RenderJob, signal?: AbortSignal): Promise<unknown> {
  if (signal?.aborted) throw new InterruptedError('SIGINT');
  const worker = startWorker({
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: RENDER_MEMORY_LIMIT_MB },
    // The worker's own output would bypass the reporters and the redactor.
    stdout: true,
    stderr: true,
  });
  return await new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (act: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      act();
    };
    const stopped = (message: string, hint: string) =>
      finish(() => reject(new UserError({ file: spec.files.deploy, message, hint })));
    const timer = setTimeout(
      () =>
        stopped(
          `rendering the deploy template took longer than ${RENDER_TIME_LIMIT_MS / 1000} s and was stopped`,
          'a $map over a large range() or deeply nested $let can make a template expand without end',
        ),
      RENDER_TIME_LIMIT_MS,
    );
    const onAbort = () => finish(() => reject(new InterruptedError('SIGINT')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: RenderReply) =>
      finish(() => (reply.ok ? resolve(reply.value) : reject(new UserError(reply.problems)))),
    );
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        stopped(
          `rendering the deploy template needed more than ${RENDER_MEMORY_LIMIT_MB} MB and was stopped`,
          'the template expands to more than any cluster holds: check the sizes of $map and range()',
        );
      } else finish(() => reject(e));
    });
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`the render worker exited with code ${code} without an answer`))),
    );
  });
}
