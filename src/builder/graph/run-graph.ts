import { noEmit, type Emit } from '../../core/events.js';
import { formatProblem } from '../../core/problem.js';
import { InterruptedError, UserError, isUserError } from '../../core/user-error.js';
import { checkGraph } from './check-graph.js';
import type { GraphResult, Step } from './step.js';

export interface RunGraphOptions {
  /** Most steps running at once, per pool named by `Step.pool`. */
  pools: Readonly<Record<string, number>>;
  signal?: AbortSignal;
  emit?: Emit;
}

interface Failure {
  step: Step;
  error: unknown;
}

/**
 * Runs each step once, as soon as its dependencies succeeded and its pool has room, in the
 * order given among those ready. The whole graph is checked first and every problem reported
 * together. After a failure or an interruption nothing new starts; steps already running are
 * awaited (a half-finished step must not be abandoned mid-write), then the failure is thrown:
 * the step's own UserError, all failures' problems merged into one UserError, or an
 * InterruptedError when the signal fired.
 */
export async function runGraph(steps: readonly Step[], opts: RunGraphOptions): Promise<GraphResult> {
  const problems = checkGraph(steps, opts.pools);
  if (problems.length > 0) throw new Error(`invalid build graph:\n  ${problems.join('\n  ')}`);
  const emit = opts.emit ?? noEmit;
  const signal = opts.signal ?? new AbortController().signal;
  const done = new Set<string>();
  const started = new Set<string>();
  const inPool = new Map<string, number>();
  const failures: Failure[] = [];
  const result: GraphResult = { finished: [], skipped: [], elapsedMs: {} };
  let active = 0;

  return await new Promise<GraphResult>((resolve, reject) => {
    const settle = (): void => {
      signal.removeEventListener('abort', schedule);
      if (signal.aborted) reject(new InterruptedError(abortReason(signal)));
      else if (failures.length > 0) reject(mergeFailures(failures));
      else resolve(result);
    };

    function schedule(): void {
      if (!signal.aborted && failures.length === 0) {
        for (const step of steps) {
          if (started.has(step.id) || !step.deps.every((d) => done.has(d))) continue;
          const used = inPool.get(step.pool) ?? 0;
          if (used >= (opts.pools[step.pool] ?? 0)) continue;
          inPool.set(step.pool, used + 1);
          started.add(step.id);
          active += 1;
          void start(step);
        }
      }
      if (active === 0) settle();
    }

    async function start(step: Step): Promise<void> {
      const t0 = performance.now();
      const base = { service: step.service, step: step.name, logFile: step.logFile };
      emit({ kind: 'step-started', ...base });
      try {
        const outcome = await step.run({ signal });
        const elapsedMs = Math.round(performance.now() - t0);
        result.elapsedMs[step.id] = elapsedMs;
        if (outcome !== undefined) {
          result.skipped.push(step.id);
          emit({ kind: 'step-skipped', service: step.service, step: step.name, reason: outcome.skipped });
        } else {
          result.finished.push(step.id);
          emit({ kind: 'step-finished', ...base, elapsedMs });
        }
        done.add(step.id);
      } catch (error) {
        const elapsedMs = Math.round(performance.now() - t0);
        result.elapsedMs[step.id] = elapsedMs;
        failures.push({ step, error });
        emit({
          kind: 'step-failed',
          ...base,
          elapsedMs,
          message: failureMessage(error),
          lastLines: isUserError(error) ? [...error.details] : [],
        });
      } finally {
        active -= 1;
        inPool.set(step.pool, (inPool.get(step.pool) ?? 1) - 1);
        schedule();
      }
    }

    signal.addEventListener('abort', schedule, { once: true });
    schedule();
  });
}

/**
 * What failed, for the event: a UserError's problems without their hints. A hint says what to
 * do, and is shown with the error that ends the build; the hint of a failed step names its log
 * file, which the event carries as `logFile`, so the progress line named it twice.
 */
function failureMessage(error: unknown): string {
  if (isUserError(error)) return error.problems.map(({ hint: _, ...p }) => formatProblem(p)).join('; ');
  return error instanceof Error ? error.message : String(error);
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error && /^SIG[A-Z]+$/.test(r.message) ? r.message : 'SIGINT';
}

/** One failure is thrown as it is; several UserErrors become one carrying all problems. */
function mergeFailures(failures: readonly Failure[]): unknown {
  const [first] = failures;
  if (failures.length === 1 || first === undefined) return first?.error;
  const bug = failures.find((f) => !isUserError(f.error));
  if (bug !== undefined) return bug.error;
  const errors = failures.map((f) => f.error as UserError);
  return new UserError(
    errors.flatMap((e) => e.problems),
    { details: errors.flatMap((e) => e.details), cause: first.error },
  );
}
