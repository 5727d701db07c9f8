import { isDeepStrictEqual } from 'node:util';
import type { FieldError } from './api-status.js';

/**
 * What a real API server's validation refuses on a write, for the kinds the double serves:
 * changes to immutable fields (from the kinds' `Validate…Update` functions in
 * kubernetes/pkg/apis/…/validation) and annotations over 256 KiB in total
 * (`TotalAnnotationSizeLimitB`, which is what stops a large object applied client-side: its
 * whole configuration is copied into an annotation). Schema validation is not done.
 */
type Obj = Record<string, unknown>;

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Obj)[k] : undefined), o);

const immutable = (field: string, goType: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  body: `Invalid value: ${goType}{...}: field is immutable`,
});

/** The STS fields an update may change; any other change to `spec` is forbidden. */
const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

export function updateErrors(kind: string, old: Obj, next: Obj): FieldError[] {
  const errors: FieldError[] = [];
  const changed = (...path: string[]) => !isDeepStrictEqual(get(old, ...path), get(next, ...path));
  if (['Deployment', 'ReplicaSet', 'DaemonSet', 'Job'].includes(kind) && changed('spec', 'selector'))
    errors.push(immutable('spec.selector', 'v1.LabelSelector'));
  if (kind === 'Job' && changed('spec', 'template'))
    errors.push(immutable('spec.template', 'core.PodTemplateSpec'));
  if (kind === 'StatefulSet') {
    const strip = (o: Obj) =>
      Object.fromEntries(
        Object.entries((o['spec'] ?? {}) as Obj).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)),
      );
    if (!isDeepStrictEqual(strip(old), strip(next)))
      errors.push({
        type: 'FieldValueForbidden',
        field: 'spec',
        body: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      });
  }
  if (kind === 'PersistentVolumeClaim') {
    const strip = (o: Obj) => ({
      ...((o['spec'] ?? {}) as Obj),
      resources: undefined,
      volumeName: undefined,
    });
    if (!isDeepStrictEqual(strip(old), strip(next)))
      errors.push({
        type: 'FieldValueForbidden',
        field: 'spec',
        body: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      });
  }
  if ((kind === 'ConfigMap' || kind === 'Secret') && old['immutable'] === true) {
    for (const field of ['data', 'binaryData'])
      if (changed(field))
        errors.push({
          type: 'FieldValueForbidden',
          field,
          body: 'Forbidden: field is immutable when `immutable` is set',
        });
  }
  return errors;
}

export function objectErrors(o: Obj): FieldError[] {
  const annotations = (get(o, 'metadata', 'annotations') ?? {}) as Record<string, string>;
  const size = Object.entries(annotations).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)),
    0,
  );
  if (size <= TOTAL_ANNOTATION_SIZE_LIMIT) return [];
  return [
    {
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      body: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    },
  ];
}
