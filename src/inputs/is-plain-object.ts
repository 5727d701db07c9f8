/** A mapping as parsed from YAML or JSON: an object that is neither null nor a list. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
