import type { Emit } from '../../core/events.js';
import { UserError } from '../../core/user-error.js';
import type { ApiClient } from '../cluster/api-client.js';
import { resourceRef, resourceText, type ResourceId } from '../resources/resource-id.js';
import { readinessOf, type Readiness } from './readiness.js';

type Obj = Record<string, unknown>;

export interface WaitTarget {
  id: ResourceId;
  /** The path of its collection (a namespace's or, cluster-scoped, the kind's). */
  collection: string;
  /** The object as the apply returned it. */
  live: Obj;
}

interface Watched {
  target: WaitTarget;
  state: Readiness;
}

/**
 * Waits until every target is ready (readiness.ts), with one list and one watch per collection
 * (kind and namespace), not a request or a process per object. Stops at the first target that
 * cannot get ready (a failed Job, a Deployment past its progress deadline), naming it and its
 * reason; at `deadline` (epoch ms), names every target not ready with its last condition message.
 */
export async function waitReady(
  client: ApiClient,
  targets: readonly WaitTarget[],
  seconds: number,
  deadline: number,
  emit: Emit,
): Promise<void> {
  const watched = new Map<string, Watched>();
  for (const t of targets) {
    const state = readinessOf(t.id.kind, t.live);
    if (state.state === 'ready') continue;
    watched.set(`${t.collection}/${t.id.name}`, { target: t, state });
  }
  if (watched.size === 0) return;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  try {
    const byCollection = new Map<string, Watched[]>();
    for (const w of watched.values())
      byCollection.set(w.target.collection, [...(byCollection.get(w.target.collection) ?? []), w]);
    await Promise.all(
      [...byCollection].map(([collection, ws]) => follow(client, collection, ws, deadline, stop, emit)),
    );
  } finally {
    clearTimeout(timer);
  }
  const failed = [...watched.values()].filter((w) => w.state.state === 'failed');
  if (failed.length > 0)
    throw new UserError(
      failed.map((w) => ({
        message: `${resourceText(w.target.id)} ${(w.state as { message: string }).message}`,
      })),
    );
  const waiting = [...watched.values()].filter((w) => w.state.state === 'waiting');
  if (waiting.length === 0) return;
  throw new UserError(
    {
      message: `not ready after ${seconds} s: ${waiting.map((w) => resourceText(w.target.id)).join(', ')}`,
      hint: 'the resources were applied; kubectl describe <kind> <name> -n <namespace> shows why',
    },
    {
      details: waiting.map(
        (w) => `${resourceText(w.target.id)}: ${(w.state as { message: string }).message}`,
      ),
    },
  );
}

async function follow(
  client: ApiClient,
  collection: string,
  ws: Watched[],
  deadline: number,
  stop: AbortController,
  emit: Emit,
): Promise<void> {
  const byName = new Map(ws.map((w) => [w.target.id.name, w]));
  const pending = () => ws.some((w) => w.state.state === 'waiting');
  const see = (o: Obj): boolean => {
    const w = byName.get(String((o['metadata'] as Obj | undefined)?.['name']));
    if (w === undefined || w.state.state !== 'waiting') return false;
    w.state = readinessOf(w.target.id.kind, o);
    if (w.state.state === 'ready') emit({ kind: 'resource-ready', ...resourceRef(w.target.id) });
    if (w.state.state === 'failed') stop.abort();
    return !pending();
  };
  while (pending() && !stop.signal.aborted) {
    const list = await client.request('GET', collection);
    if (list.status !== 200)
      throw new UserError({
        message: `could not read ${collection} while waiting: ${String(list.body['message'])}`,
      });
    for (const o of (list.body['items'] ?? []) as Obj[]) see(o);
    if (!pending() || stop.signal.aborted) return;
    const rv = String((list.body['metadata'] as Obj | undefined)?.['resourceVersion'] ?? '');
    const timeoutSeconds = String(Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
    await client.watch(
      collection,
      { resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds },
      (e) => (e.type === 'ADDED' || e.type === 'MODIFIED' ? see(e.object) : false),
      stop.signal,
    );
  }
}
