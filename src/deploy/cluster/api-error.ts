import type { ApiResponse } from './api-client.js';

/** One cause of a failed request, as a `metav1.Status` lists it. */
export interface StatusCause {
  type?: string;
  message?: string;
  field?: string;
}

/** What a failed request's Status says: the server's message, its reason and causes. */
export interface StatusOf {
  code: number;
  reason: string;
  message: string;
  causes: StatusCause[];
}

export function statusOf(res: ApiResponse): StatusOf {
  const details = (res.body['details'] ?? {}) as Record<string, unknown>;
  return {
    code: res.status,
    reason: typeof res.body['reason'] === 'string' ? res.body['reason'] : '',
    message:
      typeof res.body['message'] === 'string' && res.body['message'] !== ''
        ? res.body['message']
        : `HTTP ${res.status}`,
    causes: Array.isArray(details['causes']) ? (details['causes'] as StatusCause[]) : [],
  };
}

/**
 * The fields a 422 refused because they cannot change (`field is immutable`, or a StatefulSet's
 * `updates to statefulset spec for fields other than … are forbidden`); empty for any other answer.
 */
export function immutableFields(s: StatusOf): string[] {
  if (s.code !== 422) return [];
  return s.causes
    .filter((c) =>
      /field is immutable|is immutable after creation|are forbidden$|immutable/.test(c.message ?? ''),
    )
    .map((c) => c.field ?? '')
    .filter((f) => f !== '');
}
