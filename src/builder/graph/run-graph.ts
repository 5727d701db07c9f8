import { noEmit, type Emit } from '../../core/events.js';
import { formatProblem } from '../../core/problem.js';
import { InternalError, InterruptedError, UserError, isUserError } from '../../core/user-error.js';
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
  if (problems.length > 0) throw new InternalError(`invalid build graph:\n  ${problems.join('\n  ')}`);
  return await new GraphRun(steps, opts).result;
}

/** One run of a graph: which steps started and finished, and what each pool has running. */
class GraphRun {
  readonly result: Promise<GraphResult>;
  private readonly emit: Emit;
  private readonly signal: AbortSignal;
  private readonly done = new Set<string>();
  private readonly started = new Set<string>();
  private readonly inPool = new Map<string, number>();
  private readonly failures: Failure[] = [];
  private readonly outcome: GraphResult = { finished: [], skipped: [], elapsedMs: {} };
  private active = 0;
  private settle: (() => void) | undefined;

  constructor(
    private readonly steps: readonly Step[],
    private readonly opts: RunGraphOptions,
  ) {
    this.emit = opts.emit ?? noEmit;
    this.signal = opts.signal ?? new AbortController().signal;
    const schedule = () => this.schedule();
    this.result = new Promise<GraphResult>((resolve, reject) => {
      this.settle = () => {
        this.signal.removeEventListener('abort', schedule);
        if (this.signal.aborted) reject(new InterruptedError(abortReason(this.signal)));
        else if (this.failures.length > 0) reject(mergeFailures(this.failures));
        else resolve(this.outcome);
      };
    });
    this.signal.addEventListener('abort', schedule, { once: true });
    this.schedule();
  }

  /** Starts every step that is ready and has room in its pool; settles when nothing runs. */
  private schedule(): void {
    if (!this.signal.aborted && this.failures.length === 0) {
      for (const step of this.steps) {
        if (this.started.has(step.id) || !step.deps.every((d) => this.done.has(d))) continue;
        const used = this.inPool.get(step.pool) ?? 0;
        if (used >= (this.opts.pools[step.pool] ?? 0)) continue;
        this.inPool.set(step.pool, used + 1);
        this.started.add(step.id);
        this.active += 1;
        void this.start(step);
      }
    }
    if (this.active === 0) this.settle?.();
  }

  private async start(step: Step): Promise<void> {
    const t0 = performance.now();
    const base = { service: step.service, step: step.name, logFile: step.logFile };
    this.emit({ kind: 'step-started', ...base });
    try {
      const skipped = await step.run({ signal: this.signal });
      const elapsedMs = Math.round(performance.now() - t0);
      this.outcome.elapsedMs[step.id] = elapsedMs;
      if (skipped !== undefined) {
        this.outcome.skipped.push(step.id);
        this.emit({ kind: 'step-skipped', service: step.service, step: step.name, reason: skipped.skipped });
      } else {
        this.outcome.finished.push(step.id);
        this.emit({ kind: 'step-finished', ...base, elapsedMs });
      }
      this.done.add(step.id);
    } catch (error) {
      const elapsedMs = Math.round(performance.now() - t0);
      this.outcome.elapsedMs[step.id] = elapsedMs;
      this.failures.push({ step, error });
      const lastLines = isUserError(error) ? [...error.details] : [];
      this.emit({ kind: 'step-failed', ...base, elapsedMs, message: failureMessage(error), lastLines });
    } finally {
      this.active -= 1;
      this.inPool.set(step.pool, (this.inPool.get(step.pool) ?? 1) - 1);
      this.schedule();
    }
  }
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
