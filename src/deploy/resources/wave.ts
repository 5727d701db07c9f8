import { isPlainObject } from '../../inputs/is-plain-object.js';
import type { IdProblem } from './resource-id.js';

/**
 * The annotation that orders an apply in waves (docs/deploy.md#waves): an integer as a string,
 * lower first, default 0. Deploy applies a wave and waits until it is ready before the next.
 */
export const WAVE_ANNOTATION = 'taskcluster-installer/wave';

export function waveOf(object: Record<string, unknown>): { wave: number } | { problem: IdProblem } {
  const metadata = isPlainObject(object['metadata']) ? object['metadata'] : {};
  const annotations = isPlainObject(metadata['annotations']) ? metadata['annotations'] : {};
  const value = annotations[WAVE_ANNOTATION];
  if (value === undefined) return { wave: 0 };
  if (typeof value === 'string' && /^-?\d{1,6}$/.test(value)) return { wave: Number(value) };
  return {
    problem: {
      path: `metadata.annotations["${WAVE_ANNOTATION}"]`,
      message: `must be a whole number as a string (e.g. "-1", "0", "1"), not ${JSON.stringify(value)}`,
    },
  };
}
