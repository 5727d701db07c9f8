import { buildkitMessages, type StatusResponse, type Timestamp, type Vertex } from './buildkit-messages.js';

/** The step of a build that failed, as BuildKit reported it. */
export interface FailedStep {
  /** `[stage-2 4/4]`, or '' for BuildKit's own steps (`[internal] …` keep their name). */
  step: string;
  /** `RUN make test`, `COPY --chmod=0755 app /app`, `[internal] load metadata for …` */
  instruction: string;
  /** BuildKit's words: `executor failed running [/bin/sh -c make test]: exit code: 2` */
  error: string;
  /** The exit status of a failed RUN. */
  exitStatus?: number;
  /** The step's last output lines. */
  lastLines: string[];
}

interface VertexState {
  n: number;
  name: string;
  startedMs?: number;
  shown: boolean;
  ended: boolean;
  error?: string;
  partial: string;
  tail: string[];
}

const TAIL = 20;

/**
 * Folds BuildKit's progress stream (the `moby.buildkit.trace` messages of a build) into step
 * lines in the form `docker build --progress=plain` prints, which users know:
 *
 *     #4 [2/3] RUN make
 *     #4 0.512 compiling…
 *     #4 DONE 3.1s
 *     #5 [3/3] COPY --chmod=0755 app /app
 *     #5 CACHED
 *     #6 [4/4] RUN make test
 *     #6 ERROR: executor failed running [/bin/sh -c make test]: exit code: 2
 *
 * A step's number is given when it first starts, its output is split into lines per step (a
 * line cut between two messages is joined), and the last lines of each step are kept for the
 * error of a failed build. Steps that never start (stages a target does not need) print nothing.
 */
export class BuildkitStatus {
  private readonly vertices = new Map<string, VertexState>();
  private next = 1;

  /** Decodes one trace message (the base64 `aux` of a `moby.buildkit.trace` line); returns its step lines. */
  addTrace(aux: string): string[] {
    const status = buildkitMessages.toObject<StatusResponse>(
      buildkitMessages.statusResponse,
      Buffer.from(aux, 'base64'),
    );
    return this.add(status);
  }

  add(status: StatusResponse): string[] {
    const out: string[] = [];
    // One message may carry a step's last output and its end: the output goes first, as it came.
    for (const v of status.vertexes ?? []) this.vertexStarted(v, out);
    for (const log of status.logs ?? []) {
      const state = this.vertices.get(log.vertex);
      if (state === undefined || log.msg === undefined) continue;
      this.show(state, out);
      const at =
        log.timestamp && state.startedMs !== undefined
          ? ` ${seconds(ms(log.timestamp) - state.startedMs, 3)}`
          : '';
      const parts = (state.partial + Buffer.from(log.msg).toString('utf8')).split(/\r?\n|\r/);
      state.partial = parts.pop() ?? '';
      for (const line of parts) this.output(state, `#${state.n}${at} ${line}`, line, out);
    }
    for (const v of status.vertexes ?? []) this.vertexEnded(v, out);
    for (const s of status.statuses ?? []) {
      const state = this.vertices.get(s.vertex);
      if (state !== undefined && s.completed !== undefined)
        out.push(`#${state.n} ${s.ID ?? s.name ?? ''} done`);
    }
    for (const w of status.warnings ?? []) {
      const state = this.vertices.get(w.vertex);
      if (w.short !== undefined)
        out.push(`${state ? `#${state.n} ` : ''}WARNING: ${Buffer.from(w.short).toString('utf8')}`);
    }
    return out;
  }

  /** The first step that failed, if one did. */
  failedStep(): FailedStep | undefined {
    for (const state of this.vertices.values()) {
      if (state.error === undefined) continue;
      const m = /^(\[[^\]]*\])\s+(.*)$/s.exec(state.name);
      const internal = m?.[1] === '[internal]';
      const exit = /exit code: (\d+)\s*$/.exec(state.error);
      return {
        step: m && !internal ? (m[1] as string) : '',
        instruction: m && !internal ? (m[2] as string) : state.name,
        error: state.error,
        ...(exit ? { exitStatus: Number(exit[1]) } : {}),
        lastLines: [...state.tail, ...(state.partial !== '' ? [state.partial] : [])],
      };
    }
    return undefined;
  }

  private vertexStarted(v: Vertex, out: string[]): void {
    let state = this.vertices.get(v.digest);
    if (state === undefined) {
      state = { n: 0, name: v.name ?? v.digest, shown: false, ended: false, partial: '', tail: [] };
      this.vertices.set(v.digest, state);
    }
    if (v.started !== undefined) state.startedMs ??= ms(v.started);
    if (v.started === undefined && v.completed === undefined && !v.cached) return;
    this.show(state, out);
  }

  private vertexEnded(v: Vertex, out: string[]): void {
    const state = this.vertices.get(v.digest);
    if (state === undefined || !state.shown || v.completed === undefined || state.ended) return;
    state.ended = true;
    if (state.partial !== '') {
      this.output(state, `#${state.n} ${state.partial}`, state.partial, out);
      state.partial = '';
    }
    if (v.error) {
      state.error = v.error;
      out.push(`#${state.n} ERROR: ${v.error}`);
    } else if (v.cached) {
      out.push(`#${state.n} CACHED`);
    } else {
      const took = state.startedMs !== undefined ? ms(v.completed) - state.startedMs : 0;
      out.push(`#${state.n} DONE ${seconds(took, 1)}`);
    }
  }

  private show(state: VertexState, out: string[]): void {
    if (state.shown) return;
    state.shown = true;
    state.n = this.next++;
    out.push(`#${state.n} ${state.name}`);
  }

  private output(state: VertexState, line: string, text: string, out: string[]): void {
    out.push(line);
    state.tail.push(text);
    if (state.tail.length > TAIL) state.tail.shift();
  }
}

function ms(t: Timestamp): number {
  return Number(t.seconds ?? 0) * 1000 + Number(t.nanos ?? 0) / 1e6;
}

function seconds(msValue: number, digits: number): string {
  return `${(Math.max(0, msValue) / 1000).toFixed(digits)}${digits === 1 ? 's' : ''}`;
}
