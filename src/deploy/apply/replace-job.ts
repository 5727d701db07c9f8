import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../cluster/api-client.js';
import { statusOf } from '../cluster/api-error.js';

type Obj = Record<string, unknown>;

const POLL_MS = 200;

/**
 * Deletes a Job so that it can be created again with a change the API refuses as immutable
 * (a migration Job with the next release's image): in the foreground, so its pods go first, and
 * only the Job that was read (uid precondition). Returns once it is gone, or why not: a create
 * before that would be refused (`object is being deleted`).
 */
export async function replaceJob(
  client: ApiClient,
  path: string,
  live: Obj,
  deadline: number,
): Promise<string | undefined> {
  const uid = (live['metadata'] as Obj)['uid'];
  const res = await client.request('DELETE', path, {
    body: {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      preconditions: { uid },
    },
  });
  if (res.status !== 200 && res.status !== 202 && res.status !== 404) return statusOf(res).message;
  for (;;) {
    const now = await client.request('GET', path);
    if (now.status === 404 || (now.body['metadata'] as Obj | undefined)?.['uid'] !== uid) return undefined;
    if (now.status !== 200) return statusOf(now).message;
    if (Date.now() > deadline) return 'it was still being deleted at the deadline';
    await sleep(POLL_MS);
  }
}
