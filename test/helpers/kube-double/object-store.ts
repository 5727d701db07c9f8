/**
 * The double's storage: objects by API path, one resourceVersion counter for all of them (as
 * etcd's revision is), and the history of changes that watches replay from a resourceVersion.
 */
type Obj = Record<string, unknown>;

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: Obj;
  resourceVersion: number;
}

export class ObjectStore {
  readonly objects = new Map<string, Obj>();
  readonly history: StoreEvent[] = [];
  private readonly watchers = new Set<(e: StoreEvent) => void>();
  private revision = 1;

  get resourceVersion(): number {
    return this.revision;
  }

  /** Stores `object` (a clone) with a new resourceVersion and tells the watches. */
  put(key: string, object: Obj): Obj {
    const stored = structuredClone(object);
    const metadata = (stored['metadata'] ??= {}) as Obj;
    metadata['resourceVersion'] = String(++this.revision);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.objects.set(key, stored);
    this.publish({ type, key, object: stored, resourceVersion: this.revision });
    return stored;
  }

  remove(key: string): void {
    const old = this.objects.get(key);
    if (old === undefined) return;
    this.objects.delete(key);
    const object = structuredClone(old);
    (object['metadata'] as Obj)['resourceVersion'] = String(++this.revision);
    this.publish({ type: 'DELETED', key, object, resourceVersion: this.revision });
  }

  subscribe(watcher: (e: StoreEvent) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private publish(e: StoreEvent): void {
    this.history.push(e);
    for (const w of this.watchers) w(e);
  }
}
