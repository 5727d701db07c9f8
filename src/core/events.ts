/**
 * Everything the core reports while it works. Reporters (tty, plain, json) consume these;
 * the json form is a public format: change it only with a CHANGELOG entry.
 */
export type PlanAction = 'build' | 'pull' | 'skip' | 'push' | 'load';

export type Event =
  | { kind: 'warning'; message: string; file?: string; line?: number; path?: string }
  | { kind: 'info'; message: string }
  | { kind: 'lock-waiting'; lockFile: string; holder: string }
  | {
      kind: 'source-resolved';
      repository: string;
      url: string;
      ref: string;
      commit: string;
      network: boolean;
    }
  | {
      kind: 'plan-decided';
      service: string;
      action: PlanAction;
      reason: string;
      image: string;
      buildKey: string;
      /** inputs that differ from the last build of this service, when known */
      changed?: string[];
    }
  | { kind: 'step-started'; service: string; step: string; logFile?: string }
  | { kind: 'step-skipped'; service: string; step: string; reason: string }
  | { kind: 'step-finished'; service: string; step: string; elapsedMs: number; logFile?: string }
  | {
      kind: 'step-failed';
      service: string;
      step: string;
      elapsedMs: number;
      logFile?: string;
      message: string;
      lastLines: string[];
    }
  | { kind: 'log-line'; service: string; step: string; line: string }
  | { kind: 'image-pushed'; service: string; ref: string; digest: string }
  | { kind: 'release-written'; file: string }
  | { kind: 'resource-written'; file: string; resourceKind: string; name: string }
  | { kind: 'output-written'; dir: string; files: number }
  | { kind: 'kubectl-output'; stream: 'stdout' | 'stderr'; line: string };

export type Emit = (event: Event) => void;

export const noEmit: Emit = () => {};
