/**
 * One computation per key, shared by every caller: those asking while it runs and those
 * asking after it succeeded get the same promise.
 *
 * The rule for failures: a rejected computation is forgotten as soon as it settles, so the
 * next call for that key tries again (the callers that shared the failed attempt all see its
 * error). A value that must not be kept either (a lookup that found nothing and may find
 * something after a pull) is dropped by `make` itself with `forget`, and a computation that
 * should only be shared while it runs forgets its key when it settles.
 */
export class OnceByKey<K, V> {
  private readonly entries = new Map<K, Promise<V>>();

  get(key: K, make: (key: K) => Promise<V>): Promise<V> {
    const known = this.entries.get(key);
    if (known !== undefined) return known;
    const made = make(key);
    this.entries.set(key, made);
    made.catch(() => {
      if (this.entries.get(key) === made) this.entries.delete(key);
    });
    return made;
  }

  /** Whether a computation for `key` is kept (running, or succeeded). */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The next call for `key` computes again; callers holding the old promise keep it. */
  forget(key: K): void {
    this.entries.delete(key);
  }
}
