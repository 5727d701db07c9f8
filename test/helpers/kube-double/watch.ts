import type { ServerResponse } from 'node:http';
import type { StoreEvent } from './object-store.js';
import {
  inCollection,
  matchesSelectors,
  membersOf,
  type DoubleState,
  type Target,
} from './object-requests.js';

/**
 * A watch of a collection (`?watch=1`), as a stream of JSON lines `{"type": …, "object": …}`.
 * Without a `resourceVersion` (or with "0") it starts with an ADDED event for each object there
 * is; with one, it replays every change after it. It ends after `timeoutSeconds`, or when the
 * client goes.
 */
export function watchCollection(
  state: DoubleState,
  t: Target,
  q: URLSearchParams,
  res: ServerResponse,
): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const send = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + '\n');
  const wanted = (e: StoreEvent) => inCollection(state, t, e.key) && matchesSelectors(e.object, q);
  const from = q.get('resourceVersion');
  if (from === null || from === '' || from === '0') {
    for (const [, o] of membersOf(state, t)) if (matchesSelectors(o, q)) send('ADDED', o);
  } else {
    for (const e of state.store.history)
      if (e.resourceVersion > Number(from) && wanted(e)) send(e.type, e.object);
  }
  const unsubscribe = state.store.subscribe((e) => {
    if (wanted(e)) send(e.type, e.object);
  });
  const timeout = Number(q.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  res.on('close', () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  });
}
