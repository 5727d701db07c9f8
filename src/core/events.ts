/**
 * Everything the core reports while it works. Reporters (tty, plain, json) consume these;
 * the json form is a public format: change it only with a CHANGELOG entry.
 */
export type PlanAction = 'build' | 'pull' | 'skip' | 'push' | 'load';

/**
 * One difference inside a resource, at a path like `spec.template.spec.containers[name=web].image`.
 * A Secret's `data`/`stringData` change is `masked` and carries no value at all.
 */
export interface FieldChange {
  path: string;
  change: 'added' | 'removed' | 'changed' | 'reordered';
  /** The value before; absent for `added` and whenever `masked`. */
  old?: unknown;
  /** The value after; absent for `removed` and whenever `masked`. */
  new?: unknown;
  masked?: true;
}

/** A resource in the cluster, as the inventory records it. */
export interface ResourceRef {
  apiVersion: string;
  resourceKind: string;
  /** Absent for cluster-scoped resources. */
  namespace?: string;
  name: string;
}

/** What applying a resource did: `replaced` is a Job deleted and created because its change was refused as immutable. */
export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'replaced';

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
  /** With several engines: where a step runs, and why there (`least loaded`, …). */
  | { kind: 'engine-chosen'; service: string; step: string; engine: string; reason: string }
  /** `engine`: with several engines, the one that pushed. */
  | { kind: 'image-pushed'; service: string; ref: string; digest: string; engine?: string }
  | { kind: 'release-written'; file: string }
  | { kind: 'resource-written'; file: string; resourceKind: string; name: string }
  | { kind: 'output-written'; dir: string; files: number }
  | { kind: 'kubectl-output'; stream: 'stdout' | 'stderr'; line: string }
  | ({
      kind: 'diff-resource';
      change: 'added' | 'removed' | 'changed';
      /** File name on the new side (the old side for `removed`). */
      file: string;
      /** The old side's file name, when the resource moved to another file. */
      oldFile?: string;
      /** For `changed`. */
      fields?: FieldChange[];
    } & ResourceRef)
  | { kind: 'diff-summary'; added: number; removed: number; changed: number; unchanged: number }
  /** `deploy --apply --dry-run`: the files that would be applied. */
  | { kind: 'apply-planned'; files: string[] }
  /** `deploy --apply --prune`: what is deleted next (or would be, with `dryRun`). */
  | { kind: 'prune-planned'; dryRun: boolean; resources: ResourceRef[] }
  | { kind: 'inventory-written'; installation: string; namespace: string; name: string; resources: number }
  /** `deploy --apply`: the resources of a wave are applied next (and waited for before the next wave). */
  | { kind: 'wave-started'; wave: number; resources: number }
  /** One resource applied, or with `dryRun` what applying it would do. */
  | ({ kind: 'resource-applied'; action: ApplyAction; dryRun: boolean } & ResourceRef)
  /** A resource deploy waited for is ready. */
  | ({ kind: 'resource-ready' } & ResourceRef)
  | {
      kind: 'apply-summary';
      dryRun: boolean;
      created: number;
      configured: number;
      unchanged: number;
      replaced: number;
    };

export type Emit = (event: Event) => void;

export const noEmit: Emit = () => {};
