/** `12.3 s`: how long a step-log line's work took, since `started` (a `Date.now()`). */
export function secondsSince(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}
