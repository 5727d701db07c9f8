/** A unit of work in the build graph; the graph knows nothing of git or Docker. */
export interface Step {
  /** Unique in the graph; other steps name it in `deps`. */
  id: string;
  /** The service the step belongs to, for progress events. */
  service: string;
  /** The step's name as the user sees it, e.g. `build` or `push`. */
  name: string;
  /** Which concurrency pool limits it, e.g. `git` or `image`. */
  pool: string;
  /** Ids of the steps that must succeed before this one starts. */
  deps: string[];
  /** Where the step writes its full log, named in its events. */
  logFile?: string;
  /** Resolves with `{skipped}` when the step found its output already done. */
  run(ctx: { signal: AbortSignal }): Promise<void | StepSkipped>;
}

export interface StepSkipped {
  skipped: string;
}

export interface GraphResult {
  /** Ids of the steps that ran to completion, in the order they finished. */
  finished: string[];
  /** Ids of the steps that reported their output already done. */
  skipped: string[];
  /** Wall time of each step that ran, by id. */
  elapsedMs: Record<string, number>;
}
