import type { ApplyAction } from '../../core/events.js';
import type { Problem } from '../../core/problem.js';
import type { ApiClient, ApiResponse } from '../cluster/api-client.js';
import { immutableFields, statusOf } from '../cluster/api-error.js';
import { resourceText, type ResourceId } from '../resources/resource-id.js';
import { clientSideMigration } from './migrate-client-side.js';
import { replaceJob } from './replace-job.js';
import { isUnchanged } from './unchanged.js';

type Obj = Record<string, unknown>;

/** The field manager deploy applies as. */
export const FIELD_MANAGER = 'taskcluster-installer';

/** A resource ready to apply: its id (namespace resolved), the API path of the object, what to send. */
export interface ApplyTarget {
  id: ResourceId;
  file: string;
  path: string;
  /** The rendered object, with the namespace it is applied in. */
  object: Obj;
}

export interface ApplyOptions {
  forceConflicts: boolean;
  dryRun: boolean;
  /** When a replaced Job must be gone by (epoch ms). */
  deadline: number;
}

export type ApplyResult = { action: ApplyAction; live: Obj } | { problem: Problem };

/**
 * Applies one resource with server-side apply (docs/deploy.md#apply), given the live object
 * (undefined: none). Sends nothing when the live object already is what the apply would make;
 * hands an object applied client-side over first (migrate-client-side.ts); replaces a Job
 * whose change is refused as immutable. Every failure is a Problem naming the resource file,
 * the resource and, for conflicts and immutable fields, the fields and the way out.
 */
export async function applyResource(
  client: ApiClient,
  t: ApplyTarget,
  live: Obj | undefined,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  if (live !== undefined && isUnchanged(t.object, live, FIELD_MANAGER)) return { action: 'unchanged', live };
  if (live !== undefined && !opts.dryRun) {
    const migration = clientSideMigration(live, FIELD_MANAGER);
    if (migration !== undefined) {
      const res = await client.request('PATCH', t.path, {
        body: migration,
        contentType: 'application/json-patch+json',
        query: { fieldManager: FIELD_MANAGER },
      });
      if (res.status !== 200)
        return failed(t, res, 'could not hand its fields over from kubectl client-side apply');
    }
  }
  const res = await serverSideApply(client, t, opts);
  if (res.status === 200 || res.status === 201) {
    const rv = (o: Obj | undefined) => (o?.['metadata'] as Obj | undefined)?.['resourceVersion'];
    const action = res.status === 201 ? 'created' : rv(live) === rv(res.body) ? 'unchanged' : 'configured';
    return { action, live: res.body };
  }
  const status = statusOf(res);
  const fields = immutableFields(status);
  if (fields.length > 0 && t.id.kind === 'Job' && live !== undefined) {
    if (opts.dryRun) return { action: 'replaced', live };
    const gone = await replaceJob(client, t.path, live, opts.deadline);
    if (gone !== undefined)
      return { problem: { file: t.file, message: `${resourceText(t.id)}: could not replace it: ${gone}` } };
    const created = await serverSideApply(client, t, opts);
    return created.status === 201 || created.status === 200
      ? { action: 'replaced', live: created.body }
      : failed(t, created, 'could not create it again after deleting it');
  }
  if (fields.length > 0) return immutable(t, fields);
  return failed(t, res, 'was refused');
}

export async function serverSideApply(
  client: ApiClient,
  t: ApplyTarget,
  opts: Pick<ApplyOptions, 'forceConflicts' | 'dryRun'>,
): Promise<ApiResponse> {
  return await client.request('PATCH', t.path, {
    query: {
      fieldManager: FIELD_MANAGER,
      fieldValidation: 'Strict',
      force: opts.forceConflicts ? 'true' : undefined,
      dryRun: opts.dryRun ? 'All' : undefined,
    },
    body: t.object,
    contentType: 'application/apply-patch+yaml',
  });
}

function immutable(t: ApplyTarget, fields: string[]): ApplyResult {
  const ns = t.id.namespace !== undefined ? ` -n ${t.id.namespace}` : '';
  return {
    problem: {
      file: t.file,
      path: fields.join(', '),
      message: `${resourceText(t.id)}: the cluster refuses this change: the field cannot change once the ${t.id.kind} exists (field is immutable)`,
      hint: `delete it (kubectl delete ${t.id.kind.toLowerCase()} ${t.id.name}${ns}) and deploy again, or keep ${fields.join(', ')} as it is; deploy replaces only Jobs by itself`,
    },
  };
}

function failed(t: ApplyTarget, res: ApiResponse, what: string): ApplyResult {
  const s = statusOf(res);
  const hint =
    s.code === 409 && s.causes.some((c) => c.type === 'FieldManagerConflict')
      ? 'another field manager set these fields; run with --force-conflicts to take them over, or leave them out of the template'
      : s.code === 404 && /^namespaces ".*" not found$/.test(s.message)
        ? 'create the namespace first, or add a Namespace resource to the release'
        : undefined;
  return {
    problem: {
      file: t.file,
      message: `${resourceText(t.id)} ${what}: ${s.message}`,
      ...(hint !== undefined ? { hint } : {}),
    },
  };
}
