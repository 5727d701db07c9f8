import type { Emit } from '../../core/events.js';
import { DamagedCloneError, discardClone } from './read-file-at-commit.js';

/** A cached clone git cannot read (damaged on disk) is thrown away and cloned again, once each. */
export async function withClonesRepaired<T>(emit: Emit, build: () => Promise<T>): Promise<T> {
  const discarded = new Set<string>();
  for (;;) {
    try {
      return await build();
    } catch (e) {
      const damaged = damagedCloneOf(e);
      if (damaged === undefined || discarded.has(damaged.clonePath)) throw e;
      discarded.add(damaged.clonePath);
      emit({ kind: 'warning', message: `${damaged.message}; cloning it again` });
      await discardClone(damaged.clonePath);
    }
  }
}

function damagedCloneOf(e: unknown): DamagedCloneError | undefined {
  if (e instanceof DamagedCloneError) return e;
  // Several failed steps are merged into one error whose cause is the first.
  return e instanceof Error && e.cause instanceof DamagedCloneError ? e.cause : undefined;
}
